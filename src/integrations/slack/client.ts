import type { HttpClient } from '../../core/http/index.js';
import { cursorPages } from '../paging.js';
import type {
  SlackAnswer,
  SlackAuthTest,
  SlackChannel,
  SlackConversationsPage,
  SlackHistoryMessage,
  SlackHistoryPage,
  SlackMessageArgs,
  SlackOpenAnswer,
  SlackPostAnswer,
  SlackUserAnswer,
} from './types.js';

/**
 * An `ok:false` answer: Slack says HTTP 200 and names the failure in `error`. Branch on `code`
 * (`not_in_channel`, `invalid_auth`, …), never on the status.
 */
export class SlackApiError extends Error {
  override name = 'SlackApiError';
  constructor(
    readonly method: string,
    readonly code: string,
    /** With `missing_scope`: the scope the method needs. */
    readonly needed?: string,
  ) {
    super(`Slack refused ${method}: ${code}${needed ? ` (the token needs the ${needed} scope)` : ''}.`);
  }
}

/** Slack's page size for `conversations.list` (it allows up to 1,000; 200 is its recommendation). */
export const CHANNELS_PAGE_SIZE = 200;

/** Messages per `conversations.history` page (Slack allows up to 999 and recommends 200 at most). */
export const HISTORY_PAGE_SIZE = 200;

/** A time as Slack writes message timestamps: seconds with six decimals (`1718452800.000000`). */
export const slackTs = (at: Date) => (at.getTime() / 1000).toFixed(6);

/**
 * The Slack Web API client: every call through the connection's `HttpClient` (base URL, bot token,
 * the shared rate budget, 429 `Retry-After` honoured), and every answer checked for `ok` — an HTTP
 * 200 is not a success.
 *
 * @example
 * const slack = new SlackClient(ctx.http);
 * const me = await slack.authTest();            // { team: 'Acme', team_id: 'T0…', … }
 * await slack.postMessage({ channel: 'C0…', text: 'Hello' });
 */
export class SlackClient {
  constructor(private readonly http: HttpClient) {}

  /** Who the token is: the team and the bot user. */
  authTest(): Promise<SlackAuthTest> {
    return this.call<SlackAuthTest>('auth.test', 'POST', {});
  }

  /** Every public and private channel the bot can see, all pages read. */
  async listChannels(signal?: AbortSignal): Promise<SlackChannel[]> {
    const channels: SlackChannel[] = [];
    for await (const page of cursorPages<SlackChannel, string>({
      what: 'conversations.list cursor',
      fetch: async (cursor) => {
        const answer = await this.call<SlackConversationsPage>(
          'conversations.list',
          'GET',
          {
            types: 'public_channel,private_channel',
            exclude_archived: 'false',
            limit: CHANNELS_PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
          },
          signal,
        );
        return { items: answer.channels ?? [], next: answer.response_metadata?.next_cursor || null };
      },
      ...(signal ? { signal } : {}),
    })) {
      channels.push(...page.items);
    }
    return channels;
  }

  /** The Slack user with this e-mail, or null (`users_not_found`). */
  async lookupUserByEmail(email: string): Promise<SlackUserAnswer['user'] | null> {
    try {
      return (await this.call<SlackUserAnswer>('users.lookupByEmail', 'GET', { email })).user;
    } catch (error) {
      if (error instanceof SlackApiError && error.code === 'users_not_found') return null;
      throw error;
    }
  }

  /** Post a message to a channel id, or to a user id (a direct message from the bot). */
  postMessage(args: SlackMessageArgs): Promise<SlackPostAnswer> {
    return this.call<SlackPostAnswer>('chat.postMessage', 'POST', {
      unfurl_links: false,
      unfurl_media: false,
      ...args,
    });
  }

  /** The direct-message channel (`D…`) between the bot and a person, opened if need be. */
  async openConversation(userId: string): Promise<string> {
    return (await this.call<SlackOpenAnswer>('conversations.open', 'POST', { users: userId })).channel.id;
  }

  /**
   * A conversation's messages posted after `oldest`, page by page (newest first within a page),
   * with every message's metadata (`include_all_metadata`: without it Slack leaves the payload out).
   * Needs `channels:history`, `groups:history` or `im:history` for the conversation's kind, and the
   * bot in the channel (`not_in_channel`).
   */
  async *history(
    channel: string,
    opts: { oldest: Date; signal?: AbortSignal },
  ): AsyncGenerator<SlackHistoryMessage[]> {
    for await (const page of cursorPages<SlackHistoryMessage, string>({
      what: 'conversations.history cursor',
      fetch: async (cursor) => {
        const answer = await this.call<SlackHistoryPage>(
          'conversations.history',
          'GET',
          {
            channel,
            oldest: slackTs(opts.oldest),
            inclusive: 'true',
            include_all_metadata: 'true',
            limit: HISTORY_PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
          },
          opts.signal,
        );
        // The cursor is the word; `has_more: false` beside a stale cursor still ends the walk.
        const next = answer.has_more === false ? null : answer.response_metadata?.next_cursor;
        return { items: answer.messages ?? [], next: next || null };
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
    })) {
      yield page.items;
    }
  }

  /** Replace a message the bot posted (`channel` and `ts` as `postMessage` answered them). */
  updateMessage(args: SlackMessageArgs & { ts: string }): Promise<SlackPostAnswer> {
    return this.call<SlackPostAnswer>('chat.update', 'POST', args);
  }

  private async call<T extends SlackAnswer>(
    method: string,
    verb: 'GET' | 'POST',
    params: object,
    signal?: AbortSignal,
  ): Promise<T> {
    const answer =
      verb === 'GET'
        ? await this.http.get<T>(`/${method}`, params as Record<string, string | number>, signal)
        : // A refused write (429) was not done, so retrying it is safe; a 5xx may have been: not retried.
          await this.http.post<T>(`/${method}`, params, signal ? { signal } : {});
    if (!answer || typeof answer !== 'object' || answer.ok !== true) {
      const code = typeof answer?.error === 'string' ? answer.error : 'unexpected_answer';
      throw new SlackApiError(method, code, answer?.needed);
    }
    return answer;
  }
}
