import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type InteractionAction,
  InteractionRefusedError,
  type InteractionRequest,
  type InteractionsCapability,
} from '../capabilities/interactions.js';
import type { FeedbackVerdict } from '../capabilities/messaging.js';
import { FEEDBACK_ACTION_PREFIX } from './blocks.js';
import type { SlackBlockActionsPayload } from './types.js';

/** Slack's replay window: a request signed more than 5 minutes from now is refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const VERDICTS: readonly FeedbackVerdict[] = ['useful', 'not_useful', 'snooze'];

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's signing secret. */
export function slackSignature(secret: string, timestamp: string, body: Buffer | string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`v0:${timestamp}:`);
  mac.update(body);
  return `v0=${mac.digest('hex')}`;
}

/**
 * What can be checked without a secret: both headers present and the timestamp within 5 minutes
 * of now. Run before any connection is loaded, so junk and replays cost nothing.
 */
export function screenSlackRequest(request: InteractionRequest & { now: Date }): {
  timestamp: string;
  signature: string;
} {
  const timestamp = request.headers['x-slack-request-timestamp'];
  const signature = request.headers['x-slack-signature'];
  if (!timestamp || !signature) {
    throw new InteractionRefusedError(
      'The request has no X-Slack-Request-Timestamp or X-Slack-Signature header.',
      'unverified',
    );
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new InteractionRefusedError('X-Slack-Request-Timestamp is not a number of seconds.', 'unverified');
  }
  const skew = Math.abs(request.now.getTime() / 1000 - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    throw new InteractionRefusedError(
      'The request was signed more than 5 minutes from now (a replay, or a clock far off).',
      'unverified',
    );
  }
  return { timestamp, signature };
}

/**
 * Check Slack's request signature: the timestamp within 5 minutes of now, then the `v0` HMAC over
 * the exact bytes received, compared in constant time.
 */
export function verifySlackRequest(request: InteractionRequest & { secret: string; now: Date }): void {
  const { timestamp, signature } = screenSlackRequest(request);
  const expected = Buffer.from(slackSignature(request.secret, timestamp, request.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new InteractionRefusedError('The signature does not match the signing secret.', 'unverified');
  }
}

/**
 * The feedback action of a `block_actions` payload (`payload=<json>`, form-encoded): the button's
 * `action_id` names the verdict, its `value` the alert. Other interactions answer null.
 */
export function parseSlackInteraction(request: InteractionRequest): InteractionAction | null {
  const raw = new URLSearchParams(request.body.toString('utf8')).get('payload');
  if (!raw) throw new InteractionRefusedError('The body has no payload field.', 'malformed');
  let payload: SlackBlockActionsPayload;
  try {
    payload = JSON.parse(raw) as SlackBlockActionsPayload;
  } catch {
    throw new InteractionRefusedError('The payload field is not JSON.', 'malformed');
  }
  if (payload?.type !== 'block_actions') return null;
  const action = (payload.actions ?? []).find((a) => a.action_id?.startsWith(FEEDBACK_ACTION_PREFIX));
  if (!action) return null;
  const verdict = action.action_id!.slice(FEEDBACK_ACTION_PREFIX.length) as FeedbackVerdict;
  const teamId = payload.team?.id;
  const userId = payload.user?.id;
  if (!VERDICTS.includes(verdict) || !action.value || !teamId || !userId) {
    throw new InteractionRefusedError(
      'The button press lacks its verdict, alert, team or user: it was not sent by a Beton card.',
      'malformed',
    );
  }
  const name = payload.user?.name ?? payload.user?.username;
  const channel = payload.container?.channel_id ?? payload.channel?.id;
  const ts = payload.container?.message_ts ?? payload.message?.ts;
  return {
    verdict,
    alertRef: action.value,
    actor: { id: userId, ...(name ? { name } : {}) },
    teamId,
    ...(channel && ts ? { message: { channel, ts } } : {}),
  };
}

export const slackInteractions: InteractionsCapability = {
  description:
    "Feedback buttons on alerts (Useful, Not useful, Snooze 30 days): set the Slack app's Interactivity Request URL to /api/v1/integrations/slack/interactions.",
  secretField: 'signingSecret',
  screen: screenSlackRequest,
  verify: verifySlackRequest,
  parse: parseSlackInteraction,
};
