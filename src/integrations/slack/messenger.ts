import { HttpError, RateLimitedError } from '../../core/http/index.js';
import {
  type MessageTarget,
  type MessagingCapability,
  MessagingError,
  type Messenger,
  type OutgoingMessage,
} from '../capabilities/messaging.js';
import { renderAlertCard } from './blocks.js';
import { SlackApiError, type SlackClient } from './client.js';

/**
 * Slack's error codes that no retry can fix: the token, the channel or the scopes must change
 * first, and the delivery history shows the code so a person knows which.
 */
const PERMANENT = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'user_not_found',
  'user_not_visible',
  'cannot_dm_bot',
  'restricted_action',
  'invalid_blocks',
  'invalid_blocks_format',
  'no_text',
  'msg_too_long',
  'too_many_attachments',
  'invalid_arguments',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);

/** What to do about a code, in the sentence the history shows. */
const ADVICE: Record<string, string> = {
  not_in_channel: 'invite the Beton app to the channel (/invite @Beton) or pick another one',
  channel_not_found: 'the channel was deleted or is private without the app: pick another one',
  is_archived: 'the channel is archived: unarchive it or pick another one',
  missing_scope: 'add the scope to the Slack app and reinstall it',
  invalid_auth: 'the bot token is no longer valid: reconnect Slack with a new token',
  token_revoked: 'the app was uninstalled: reinstall it and reconnect Slack',
};

/**
 * A failure of the Slack client as the messaging contract names it. An `ok:false`, a 429 or another
 * 4xx is Slack refusing (nothing was posted); a 5xx, a timeout or a lost connection leaves it unknown.
 */
export function toMessagingError(error: unknown): unknown {
  if (error instanceof SlackApiError) {
    const advice = ADVICE[error.code];
    return new MessagingError(
      error.code,
      advice ? `${error.message} ${capitalise(advice)}.` : error.message,
      { permanent: PERMANENT.has(error.code), refused: true },
    );
  }
  if (error instanceof RateLimitedError) {
    return new MessagingError('ratelimited', error.message, {
      permanent: false,
      refused: true,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  }
  if (error instanceof HttpError) {
    const status = error.upstreamStatus;
    return new MessagingError(error.code, error.message, {
      permanent: !error.retryable,
      ...(status !== undefined && status >= 400 && status < 500 ? { refused: true } : {}),
    });
  }
  return error;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toMessagingError(error);
  }
}

const body = (message: OutgoingMessage) => ({
  text: message.text,
  ...(message.blocks && message.blocks.length > 0 ? { blocks: message.blocks } : {}),
});

/**
 * A ref as message metadata: `event_type` is the ref's kind, the payload its id and the try. Slack
 * shows metadata to other apps of the workspace, so it carries ids only.
 */
const metadata = (message: OutgoingMessage) =>
  message.ref
    ? {
        metadata: {
          event_type: message.ref.kind,
          event_payload: { id: message.ref.id, attempt_id: message.ref.attemptId },
        },
      }
    : {};

/** The conversation a target's messages are in: a channel as it is; a person's DM opened. */
const conversationOf = (client: SlackClient, target: MessageTarget) =>
  target.kind === 'channel' ? Promise.resolve(target.id) : client.openConversation(target.id);

/** Alerts and digests as Slack messages: channel posts, or direct messages from the bot to a person. */
export function slackMessenger(client: SlackClient): Messenger {
  return {
    listChannels: () =>
      mapped(async () =>
        (await client.listChannels()).map((c) => ({
          id: c.id,
          name: c.name,
          isPrivate: c.is_private === true,
          isArchived: c.is_archived === true,
          isMember: c.is_member === true,
        })),
      ),
    findPersonByEmail: (email) =>
      mapped(async () => {
        const user = await client.lookupUserByEmail(email);
        if (!user) return null;
        const name = user.real_name || user.profile?.real_name || user.name;
        return { id: user.id, ...(name ? { name } : {}) };
      }),
    // A user id as the channel is a direct message from the bot (Slack opens the DM itself).
    post: (target, message) =>
      mapped(async () => {
        const answer = await client.postMessage({
          channel: target.id,
          ...body(message),
          ...metadata(message),
        });
        return { channel: answer.channel, ts: answer.ts };
      }),
    // The bot's messages since the try began, all pages, looked through for the ref's metadata.
    findPosted: (target, ref, since) =>
      mapped(async () => {
        const channel = await conversationOf(client, target);
        for await (const messages of client.history(channel, { oldest: since })) {
          for (const m of messages) {
            const payload = m.metadata?.event_payload;
            if (m.metadata?.event_type !== ref.kind || payload?.id !== ref.id) continue;
            const attemptId = typeof payload.attempt_id === 'string' ? payload.attempt_id : null;
            return { channel, ts: m.ts, attemptId };
          }
        }
        return null;
      }),
    update: (sent, message) =>
      mapped(async () => {
        await client.updateMessage({ channel: sent.channel, ts: sent.ts, ...body(message) });
      }),
    renderCard: renderAlertCard,
  };
}

export const slackMessaging: MessagingCapability<SlackClient> = {
  description:
    'Alerts as channel messages or direct messages to account owners (found by e-mail), with feedback buttons; digests to a channel.',
  // chat.postMessage allows about one message a second per channel.
  pacePerTargetPerSecond: 1,
  open: (client) => slackMessenger(client),
};
