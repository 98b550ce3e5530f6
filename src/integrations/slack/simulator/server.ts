import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dataset } from '../../../simulators/dataset/types.js';
import { createSimServer, FixedWindow, type Knobs, type SimServer } from '../../../simulators/kit/index.js';
import { slackSignature } from '../interactions.js';
import { SLACK_BOT_SCOPES } from '../scopes.js';
import { blocksProblem } from './blocks.js';
import { type SimChannel, type SimUser, type SlackWorld, slackWorldFromDataset } from './world.js';

/** The bot token and signing secret the default simulator accepts (not secrets: a local stand-in). */
export const DEFAULT_SLACK_TOKEN = 'xoxb-0000000000-0000000000000-betonsimulatorbottoken';
export const DEFAULT_SLACK_SIGNING_SECRET = '8f742231b10e8888abcd99e5f0c1d2a3';

/** Every scope Beton asks for; a token given fewer gets `missing_scope` on the methods that need them. */
export const ALL_SLACK_SCOPES: readonly string[] = SLACK_BOT_SCOPES;

export interface SlackSimToken {
  token: string;
  scopes?: readonly string[];
}

export interface SlackSimOptions {
  knobs?: Partial<Knobs>;
  dataset?: Pick<Dataset, 'crm'>;
  world?: SlackWorld;
  tokens?: SlackSimToken[];
  signingSecret?: string;
  /** Slack returns fewer channels than `limit` now and then; this caps a page (tests of paging). */
  maxPageSize?: number;
  /** Messages a channel takes back to back before the one-a-second pace applies (default 3). */
  channelBurst?: number;
  /** The clock the limits count on, in ms (default: performance.now()). */
  now?: () => number;
}

/** A message as the simulated Slack stored it. */
export interface SimMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  /** Times it was changed by `chat.update` or its response_url. */
  edits: number;
  /** Who posted it: the bot, or a person (`say`). */
  user: string;
  /** The app's metadata (`chat.postMessage` `metadata`). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** One `chat.postMessage` request that reached the channel limit check, answered or refused. */
export interface SimPostAttempt {
  channel: string;
  /** The message's text (which request this attempt was). */
  text: string;
  atMs: number;
  /** Set when the attempt was refused with 429: when the next attempt would be allowed (ms). */
  refusedUntilMs?: number;
}

/** One authenticated Web API call; `refusedUntilMs` is set when it was answered 429. */
export interface SimCall {
  method: string;
  atMs: number;
  refusedUntilMs?: number;
}

export interface SlackSimulator extends SimServer {
  readonly world: SlackWorld;
  readonly signingSecret: string;
  /** Messages posted, in order; of one channel (or DM channel `D…`) when given. */
  messages(channel?: string): SimMessage[];
  /** A person writes in a channel (the history around the bot's messages). */
  say(channel: string, text: string, userId?: string): SimMessage;
  /** The DM channel (`D…`) between the bot and a person. */
  dmChannelOf(userId: string): string;
  message(channel: string, ts: string): SimMessage | undefined;
  /** Every `chat.postMessage` that reached the channel limit, in order (the Retry-After tests). */
  readonly postAttempts: readonly SimPostAttempt[];
  /** Every authenticated call, in order, with when a 429 said to come back (the Retry-After tests). */
  readonly calls: readonly SimCall[];
  channel(idOrName: string): SimChannel;
  /** Add or change a channel (archive it, remove the bot, …). */
  setChannel(channel: SimChannel): void;
  /** The next `requests` requests are answered 429 `ratelimited` with `Retry-After: retryAfterSeconds`. */
  rateLimitStorm(requests: number, retryAfterSeconds?: number): void;
  /**
   * What Slack would POST to the app's Request URL when `userId` presses the button `actionId` of
   * a posted message: the form body and the signed headers (`timestamp` in seconds, default now).
   */
  buttonPress(input: {
    channel: string;
    ts: string;
    actionId: string;
    userId?: string;
    timestamp?: number;
  }): { body: string; headers: Record<string, string> };
}

/** Slack's rate tiers, per token and method, per minute. */
const TIERS: Record<string, number> = {
  'auth.test': 100,
  'conversations.list': 20,
  'conversations.history': 50,
  'conversations.open': 50,
  'users.lookupByEmail': 100,
  'chat.update': 50,
};

type Args = Record<string, unknown>;

/** The Beton app's id in the simulated workspace (on its messages and button presses). */
const APP_ID = 'A0BETONAPP';
type Handler = (args: Args, token: SlackSimToken, reply: FastifyReply) => unknown;

/**
 * A Slack Web API stand-in on the simulator kit: `auth.test`, `conversations.list` (cursor paging),
 * `users.lookupByEmail`, `chat.postMessage` (blocks validated, `text` required, `metadata` kept),
 * `chat.update`, `conversations.open`, `conversations.history` (cursor paging, `oldest`/`latest`,
 * metadata payloads only with `include_all_metadata`), and the message's `response_url`. Every answer is HTTP 200 with `ok`, failures name Slack's error
 * (`invalid_auth`, `channel_not_found`, `not_in_channel`, `is_archived`, `missing_scope`, …); the
 * method tiers and the one-message-a-second pace per channel answer 429 `ratelimited` with
 * `Retry-After` in seconds. Arguments come as a query string, JSON or a form, as Slack takes them.
 *
 * @example
 * const slack = createSlackSimulator({ dataset });
 * const url = await slack.listen();             // base URL of the Web API: `${url}/api`
 * slack.messages('C00000001');                  // what was posted there
 */
export function createSlackSimulator(options: SlackSimOptions = {}): SlackSimulator {
  const server = createSimServer({
    name: 'slack',
    ...(options.knobs ? { knobs: options.knobs } : {}),
    faultBody: () => ({ ok: false, error: 'internal_error' }),
  });
  const world =
    options.world ??
    slackWorldFromDataset(
      options.dataset ?? { crm: { workspaceName: 'Beton Demo Sales', members: [] } as never },
    );
  const signingSecret = options.signingSecret ?? DEFAULT_SLACK_SIGNING_SECRET;
  const tokens = new Map<string, SlackSimToken>();
  for (const t of options.tokens ?? [{ token: DEFAULT_SLACK_TOKEN }]) tokens.set(t.token, t);
  const now = options.now ?? (() => performance.now());
  const tiers = new Map(Object.entries(TIERS).map(([m, limit]) => [m, new FixedWindow(limit, 60_000, now)]));
  const burst = options.channelBurst ?? 3;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const messages: SimMessage[] = [];
  const postAttempts: SimPostAttempt[] = [];
  const calls: SimCall[] = [];
  let storm = { left: 0, seconds: 1 };
  let seq = 0;
  const app = server.app;

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  const channelsById = () => new Map(world.channels.map((c) => [c.id, c]));
  const userById = (id: string) => world.users.find((u) => u.id === id);
  const dmChannel = (user: SimUser) => `D${user.id.slice(1)}`;
  const fail = (error: string, extra: Args = {}) => ({ ok: false, error, ...extra });

  /** A message's ts as one comparable number (microseconds), or null when it is not a Slack ts. */
  const tsValue = (raw: unknown): bigint | null => {
    const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(String(raw));
    return match ? BigInt(match[1]!) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0')) : null;
  };

  /** Store a message under a fresh ts (seconds of now, a counter for the microseconds: unique, rising). */
  const store = (m: Omit<SimMessage, 'ts' | 'edits'>): SimMessage => {
    const message: SimMessage = {
      ...m,
      ts: `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`,
      edits: 0,
    };
    messages.push(message);
    return message;
  };

  /** A message as `conversations.history` shows it; the metadata payload only when asked for. */
  const asHistory = (m: SimMessage, withMetadata: boolean) => ({
    type: 'message',
    user: m.user,
    ...(m.user === world.botUserId ? { bot_id: world.botId, app_id: APP_ID } : {}),
    team: world.teamId,
    text: m.text,
    ts: m.ts,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    // Without `include_all_metadata` Slack leaves the payload out (unsure whether the type stays).
    ...(m.metadata ? { metadata: withMetadata ? m.metadata : { event_type: m.metadata.event_type } } : {}),
  });

  /** Where a message goes: a channel the bot can post in, or a user's DM; else Slack's error. */
  const destination = (raw: unknown): { id: string } | { error: string } => {
    if (typeof raw !== 'string' || raw === '') return { error: 'channel_not_found' };
    const user = userById(raw);
    if (user) return { id: dmChannel(user) };
    if (raw.startsWith('D') && world.users.some((u) => dmChannel(u) === raw)) return { id: raw };
    const ch = channelsById().get(raw) ?? world.channels.find((c) => `#${c.name}` === raw || c.name === raw);
    // A private channel the bot is not in is invisible to it: "not found", as Slack answers.
    if (!ch || (ch.isPrivate && !ch.botIsMember)) return { error: 'channel_not_found' };
    if (ch.isArchived) return { error: 'is_archived' };
    if (!ch.botIsMember) return { error: 'not_in_channel' };
    return { id: ch.id };
  };

  /** The per-channel pace: `burst` back to back, then one a second. */
  const takeChannel = (channel: string): number => {
    const at = now();
    const b = buckets.get(channel) ?? { tokens: burst, at };
    b.tokens = Math.min(burst, b.tokens + (at - b.at) / 1000);
    b.at = at;
    buckets.set(channel, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) * 1000);
  };

  const rateLimited = (reply: FastifyReply, seconds: number) => {
    const call = calls[calls.length - 1];
    if (call) call.refusedUntilMs = call.atMs + seconds * 1000;
    return reply.code(429).header('retry-after', String(seconds)).send(fail('ratelimited'));
  };

  const needsScope = (token: SlackSimToken, scope: string) =>
    !(token.scopes ?? ALL_SLACK_SCOPES).includes(scope);
  const missingScope = (token: SlackSimToken, scope: string) =>
    fail('missing_scope', { needed: scope, provided: (token.scopes ?? ALL_SLACK_SCOPES).join(',') });

  const method = (name: string, handler: Handler) => {
    app.route({
      method: ['GET', 'POST'],
      url: `/api/${name}`,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const args: Args = {
          ...(request.query as Args),
          ...(request.body && typeof request.body === 'object' ? (request.body as Args) : {}),
        };
        const header = request.headers.authorization;
        const given = header?.startsWith('Bearer ') ? header.slice(7) : (args.token as string | undefined);
        if (!given) return fail('not_authed');
        const token = tokens.get(given);
        if (!token) return fail('invalid_auth');
        calls.push({ method: name, atMs: now() });
        if (storm.left > 0) {
          storm.left--;
          return rateLimited(reply, storm.seconds);
        }
        const tier = tiers.get(name);
        if (tier && server.knobs.rateLimits) {
          const decision = tier.take(`${token.token}|${name}`);
          if (!decision.ok) return rateLimited(reply, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
        }
        return handler(args, token, reply);
      },
    });
  };

  method('auth.test', () => ({
    ok: true,
    url: world.teamUrl,
    team: world.teamName,
    user: 'beton',
    team_id: world.teamId,
    user_id: world.botUserId,
    bot_id: world.botId,
    is_enterprise_install: false,
  }));

  method('conversations.list', (args, token) => {
    const types = String(args.types ?? 'public_channel').split(',');
    if (types.includes('public_channel') && needsScope(token, 'channels:read'))
      return missingScope(token, 'channels:read');
    if (types.includes('private_channel') && needsScope(token, 'groups:read'))
      return missingScope(token, 'groups:read');
    const limit = Math.min(Number(args.limit ?? 100) || 100, 1000, options.maxPageSize ?? 1000);
    const visible = world.channels.filter(
      (c) =>
        (c.isPrivate
          ? types.includes('private_channel') && c.botIsMember
          : types.includes('public_channel')) &&
        !(args.exclude_archived === 'true' || args.exclude_archived === true ? c.isArchived : false),
    );
    // Slack's cursors are base64 of `team:<first channel id of the next page>`.
    let offset = 0;
    if (typeof args.cursor === 'string' && args.cursor !== '') {
      const match = /^team:(\w+)$/.exec(Buffer.from(args.cursor, 'base64').toString('utf8'));
      offset = match ? visible.findIndex((c) => c.id === match[1]) : -1;
      if (offset < 0) return fail('invalid_cursor');
    }
    const page = visible.slice(offset, offset + limit);
    const next = server.knobs.repeatNext ? visible[offset] : visible[offset + page.length];
    const more = offset + page.length < visible.length;
    return {
      ok: true,
      channels: page.map((c) => ({
        id: c.id,
        name: c.name,
        is_channel: !c.isPrivate,
        is_group: c.isPrivate,
        is_private: c.isPrivate,
        is_archived: c.isArchived,
        is_member: c.botIsMember,
      })),
      response_metadata: {
        next_cursor: more && next ? Buffer.from(`team:${next.id}`).toString('base64') : '',
      },
    };
  });

  method('users.lookupByEmail', (args, token) => {
    if (needsScope(token, 'users:read.email')) return missingScope(token, 'users:read.email');
    const email = typeof args.email === 'string' ? args.email.trim().toLowerCase() : '';
    if (!email) return fail('invalid_arguments');
    const user = world.users.find((u) => u.email === email);
    if (!user) return fail('users_not_found');
    return {
      ok: true,
      user: {
        id: user.id,
        team_id: world.teamId,
        name: user.name,
        real_name: user.realName,
        deleted: false,
        is_bot: false,
        profile: { email: user.email, real_name: user.realName, display_name: user.name },
      },
    };
  });

  /** `text` and `blocks` as Slack reads them (a form sends blocks as a JSON string). */
  const content = (args: Args): { text: string; blocks: unknown[] | undefined } | { error: Args } => {
    let blocks = args.blocks;
    if (typeof blocks === 'string') {
      try {
        blocks = JSON.parse(blocks);
      } catch {
        return { error: fail('invalid_blocks_format') };
      }
    }
    const text = typeof args.text === 'string' ? args.text : '';
    // Beton's contract (API_FACTS): the text is the notification fallback, required with blocks.
    if (text.trim() === '') return { error: fail('no_text') };
    if (text.length > 40_000) return { error: fail('msg_too_long') };
    if (blocks !== undefined) {
      const problem = blocksProblem(blocks);
      if (problem) return { error: fail('invalid_blocks', { errors: [problem] }) };
    }
    return { text, blocks: blocks as unknown[] | undefined };
  };

  /** `metadata` as Slack reads it: an object, or a JSON string in a form; Slack's errors else. */
  const metadataOf = (raw: unknown): { metadata?: SimMessage['metadata'] } | { error: Args } => {
    if (raw === undefined || raw === '') return {};
    let value = raw;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value);
      } catch {
        return { error: fail('invalid_metadata_format') };
      }
    }
    const m = value as Args | null;
    const payload = m?.event_payload ?? {};
    if (
      !m ||
      typeof m !== 'object' ||
      typeof m.event_type !== 'string' ||
      m.event_type === '' ||
      typeof payload !== 'object' ||
      Array.isArray(payload)
    )
      return { error: fail('invalid_metadata_schema') };
    return { metadata: { event_type: m.event_type, event_payload: payload as Record<string, unknown> } };
  };

  method('chat.postMessage', (args, token, reply) => {
    if (needsScope(token, 'chat:write')) return missingScope(token, 'chat:write');
    const where = destination(args.channel);
    if ('error' in where) return fail(where.error);
    if (where.id.startsWith('D') && needsScope(token, 'im:write')) return missingScope(token, 'im:write');
    const body = content(args);
    if ('error' in body) return body.error;
    const meta = metadataOf(args.metadata);
    if ('error' in meta) return meta.error;
    if (server.knobs.rateLimits) {
      const waitMs = takeChannel(where.id);
      const attempt: SimPostAttempt = { channel: where.id, text: body.text, atMs: now() };
      postAttempts.push(attempt);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        attempt.refusedUntilMs = attempt.atMs + seconds * 1000;
        return rateLimited(reply, seconds);
      }
    } else {
      postAttempts.push({ channel: where.id, text: body.text, atMs: now() });
    }
    const message = store({
      channel: where.id,
      text: body.text,
      blocks: body.blocks,
      user: world.botUserId,
      ...meta,
    });
    return { ok: true, channel: where.id, ts: message.ts, message: asHistory(message, true) };
  });

  /** The conversation `conversations.history` reads: a channel id or a DM, with its kind. */
  const conversation = (
    raw: unknown,
  ): { id: string; kind: 'public' | 'private' | 'im'; isMember: boolean } | { error: string } => {
    if (typeof raw !== 'string' || raw === '') return { error: 'channel_not_found' };
    if (raw.startsWith('D') && world.users.some((u) => dmChannel(u) === raw))
      return { id: raw, kind: 'im', isMember: true };
    const ch = channelsById().get(raw);
    if (!ch || (ch.isPrivate && !ch.botIsMember)) return { error: 'channel_not_found' };
    return { id: ch.id, kind: ch.isPrivate ? 'private' : 'public', isMember: ch.botIsMember };
  };

  const HISTORY_SCOPE = { public: 'channels:history', private: 'groups:history', im: 'im:history' } as const;

  method('conversations.history', (args, token) => {
    const where = conversation(args.channel);
    if ('error' in where) return fail(where.error);
    const scope = HISTORY_SCOPE[where.kind];
    if (needsScope(token, scope)) return missingScope(token, scope);
    // A bot reads only the conversations it is in (an archived one stays readable).
    if (!where.isMember) return fail('not_in_channel');
    const oldest = args.oldest === undefined || args.oldest === '' ? 0n : tsValue(args.oldest);
    if (oldest === null) return fail('invalid_ts_oldest');
    const latest = args.latest === undefined || args.latest === '' ? null : tsValue(args.latest);
    if (latest === null && args.latest !== undefined && args.latest !== '') return fail('invalid_ts_latest');
    const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
    const withMetadata =
      args.include_all_metadata === true ||
      args.include_all_metadata === 'true' ||
      args.include_all_metadata === '1';
    const limit = Math.min(Math.max(1, Number(args.limit ?? 100) || 100), 999, options.maxPageSize ?? 999);
    const inRange = (ts: bigint) =>
      (inclusive ? ts >= oldest : ts > oldest) &&
      (latest === null || (inclusive ? ts <= latest : ts < latest));
    // Newest first, as Slack answers.
    let listed = messages
      .filter((m) => m.channel === where.id && inRange(tsValue(m.ts)!))
      .sort((a, b) => (tsValue(b.ts)! > tsValue(a.ts)! ? 1 : -1));
    // Slack's cursors are base64 of `next_ts:<ts of the newest message on the next page>`.
    if (typeof args.cursor === 'string' && args.cursor !== '') {
      const match = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(args.cursor, 'base64').toString('utf8'));
      const from = match ? tsValue(match[1]) : null;
      if (from === null) return fail('invalid_cursor');
      listed = listed.filter((m) => tsValue(m.ts)! <= from);
    }
    const page = listed.slice(0, limit);
    const rest = listed[page.length];
    const next = server.knobs.repeatNext ? page[0] : rest;
    return {
      ok: true,
      messages: page.map((m) => asHistory(m, withMetadata)),
      has_more: rest !== undefined,
      pin_count: 0,
      ...(rest && next
        ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } }
        : {}),
    };
  });

  // The stand-in opens direct messages (one person), which is all Beton asks of it.
  method('conversations.open', (args, token) => {
    if (needsScope(token, 'im:write')) return missingScope(token, 'im:write');
    const ids = String(args.users ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (ids.length !== 1) return fail('invalid_arguments');
    const user = userById(ids[0]!);
    if (!user) return fail('user_not_found');
    const id = dmChannel(user);
    return { ok: true, no_op: messages.some((m) => m.channel === id), channel: { id } };
  });

  method('chat.update', (args, token) => {
    if (needsScope(token, 'chat:write')) return missingScope(token, 'chat:write');
    const where = destination(args.channel);
    if ('error' in where) return fail(where.error);
    const message = messages.find((m) => m.channel === where.id && m.ts === args.ts);
    if (!message) return fail('message_not_found');
    const body = content(args);
    if ('error' in body) return body.error;
    message.text = body.text;
    message.blocks = body.blocks;
    message.edits++;
    return { ok: true, channel: message.channel, ts: message.ts, text: message.text };
  });

  // A button press's response_url: replaces the message (`replace_original`), as Slack's does.
  app.post<{ Params: { channel: string; ts: string }; Body: Args }>(
    '/actions/:channel/:ts',
    async (request, reply) => {
      const message = messages.find(
        (m) => m.channel === request.params.channel && m.ts === request.params.ts,
      );
      if (!message) return reply.code(404).type('text/plain').send('expired_url');
      const body = content(request.body ?? {});
      if ('error' in body) return reply.code(400).type('text/plain').send(String(body.error.error));
      if (request.body?.replace_original === true || request.body?.replace_original === 'true') {
        message.text = body.text;
        message.blocks = body.blocks;
        message.edits++;
      }
      return reply.type('text/plain').send('ok');
    },
  );

  return Object.assign(server, {
    world,
    signingSecret,
    messages: (channel?: string) => messages.filter((m) => channel === undefined || m.channel === channel),
    say: (channel: string, text: string, userId?: string) =>
      store({ channel, text, blocks: undefined, user: userId ?? world.users[0]?.id ?? 'U00000000' }),
    dmChannelOf(userId: string) {
      const user = userById(userId);
      if (!user) throw new Error(`The Slack simulator has no user "${userId}".`);
      return dmChannel(user);
    },
    message: (channel: string, ts: string) => messages.find((m) => m.channel === channel && m.ts === ts),
    postAttempts,
    calls,
    channel(idOrName: string) {
      const found = world.channels.find((c) => c.id === idOrName || c.name === idOrName);
      if (!found) throw new Error(`The Slack simulator has no channel "${idOrName}".`);
      return found;
    },
    setChannel(channel: SimChannel) {
      const i = world.channels.findIndex((c) => c.id === channel.id);
      if (i >= 0) world.channels[i] = channel;
      else world.channels.push(channel);
    },
    rateLimitStorm(requests: number, retryAfterSeconds = 1) {
      storm = { left: Math.max(0, requests), seconds: retryAfterSeconds };
    },
    buttonPress(input: {
      channel: string;
      ts: string;
      actionId: string;
      userId?: string;
      timestamp?: number;
    }) {
      const message = messages.find((m) => m.channel === input.channel && m.ts === input.ts);
      if (!message) throw new Error(`No message ${input.ts} in ${input.channel} to press a button on.`);
      const button = (message.blocks ?? [])
        .flatMap((b) => ((b as Args).type === 'actions' ? ((b as Args).elements as Args[]) : []))
        .find((e) => e.action_id === input.actionId);
      if (!button) throw new Error(`Message ${input.ts} has no button "${input.actionId}".`);
      const user = (input.userId ? userById(input.userId) : world.users[0]) ?? {
        id: input.userId ?? 'U00000000',
        name: 'someone',
        realName: 'Someone',
        email: '',
      };
      const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
      const payload = {
        type: 'block_actions',
        team: { id: world.teamId, domain: world.teamUrl.replace(/^https:\/\/|\.slack\.com\/$/g, '') },
        user: { id: user.id, username: user.name, name: user.name, team_id: world.teamId },
        api_app_id: APP_ID,
        trigger_id: `${Date.now()}.${seq}.simulated`,
        container: {
          type: 'message',
          message_ts: message.ts,
          channel_id: message.channel,
          is_ephemeral: false,
        },
        channel: { id: message.channel, name: channelsById().get(message.channel)?.name ?? 'directmessage' },
        message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
        response_url: `${server.url}/actions/${message.channel}/${message.ts}`,
        actions: [
          {
            type: 'button',
            action_id: button.action_id,
            block_id: 'beton_feedback',
            text: button.text,
            value: button.value,
            action_ts: `${timestamp}.000001`,
          },
        ],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return {
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': slackSignature(signingSecret, timestamp, body),
        },
      };
    },
  });
}
