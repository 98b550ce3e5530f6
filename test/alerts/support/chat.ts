import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  type AlertCard,
  baseUrlSetting,
  cardText,
  defineIntegration,
  type MessageRef,
  type MessageTarget,
  MessagingError,
  type Messenger,
  type OutgoingMessage,
  secret,
} from '../../../src/integrations/index.js';

/**
 * A small chat service over real HTTP, and the messaging integration that speaks to it — what the
 * alerts tests and bench run against without naming any real service. Like the chat services it
 * stands for, it answers 200 with `{ok:false, error}` for refusals, 429 + Retry-After (seconds)
 * when a channel is posted to faster than its pace, records every accepted message with the ref it
 * carries, and reads a channel's messages back (`/history`: since a time, newest first, in pages).
 */

export interface ChatPost {
  channel: string;
  text: string;
  blocks?: unknown[];
  alertRef: string | null;
  /** The ref the message carried (the alert's id and the try that posted it). */
  ref: MessageRef | null;
  at: number;
  ts: string;
}

/** Messages per `/history` page: small, so a lookup walks several pages. */
const HISTORY_PAGE = 5;

export interface ChatServer {
  url: string;
  posts: ChatPost[];
  /** Posts that arrived while their channel was told to wait (Retry-After not honoured). */
  early: number;
  /** 429 answers given. */
  limited: number;
  /** Channels the bot is not in: posting there answers `not_in_channel`. */
  notInChannel: Set<string>;
  /** The next N posts are answered 429 with this Retry-After (seconds). */
  storm(n: number, retryAfterSeconds: number): void;
  /** Enforce a pace per channel: faster posts get 429 (0: none). */
  pacePerSecond: number;
  /** Called with each accepted post before it is answered (the answer waits for it). */
  afterAccept: ((post: ChatPost) => void | Promise<void>) | null;
  /** The next `/history` calls answer `{ok:false, error}` with these codes, one each (`missing_scope`). */
  historyErrors: string[];
  /** The next N accepted posts are answered 500: posted, but the sender hears a failure. */
  lostAnswers: number;
  /** `/history` calls answered. */
  lookups: number;
  close(): Promise<void>;
}

export async function startChatServer(opts: { pacePerSecond?: number } = {}): Promise<ChatServer> {
  let stormLeft = 0;
  let stormSeconds = 1;
  const waitUntil = new Map<string, number>();
  const lastAt = new Map<string, number>();
  const state: Omit<ChatServer, 'url' | 'close' | 'storm'> = {
    posts: [],
    early: 0,
    limited: 0,
    notInChannel: new Set(),
    pacePerSecond: opts.pacePerSecond ?? 0,
    afterAccept: null,
    historyErrors: [],
    lostAnswers: 0,
    lookups: 0,
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== 'Bearer chat-token')
        return answer(200, { ok: false, error: 'invalid_auth' });
      if (req.url === '/auth.test') return answer(200, { ok: true, team: 'Test team' });
      if (req.url === '/channels') return answer(200, { ok: true, channels: [{ id: 'C1', name: 'alerts' }] });
      if (req.url === '/history') {
        state.lookups++;
        const refused = state.historyErrors.shift();
        if (refused) return answer(200, { ok: false, error: refused });
        const q = JSON.parse(body) as { channel: string; oldest: number; cursor?: number };
        const listed = state.posts
          .filter((p) => p.channel === q.channel && p.at >= q.oldest)
          .reverse()
          .slice(q.cursor ?? 0);
        const page = listed.slice(0, HISTORY_PAGE);
        return answer(200, {
          ok: true,
          messages: page.map((p) => ({ ts: p.ts, ref: p.ref })),
          next_cursor: listed.length > page.length ? (q.cursor ?? 0) + page.length : null,
        });
      }
      if (req.url !== '/post') return answer(404, { ok: false, error: 'unknown_method' });
      const msg = JSON.parse(body) as {
        channel: string;
        text: string;
        blocks?: unknown[];
        alertRef?: string;
        ref?: MessageRef;
      };
      const now = Date.now();
      if ((waitUntil.get(msg.channel) ?? 0) > now) state.early++;
      if (stormLeft > 0) {
        stormLeft--;
        state.limited++;
        waitUntil.set(msg.channel, now + stormSeconds * 1000);
        return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(stormSeconds) });
      }
      if (state.pacePerSecond > 0) {
        // A short burst is tolerated (half a gap early), as the services do.
        const gap = 1000 / state.pacePerSecond;
        const last = lastAt.get(msg.channel);
        if (last !== undefined && now - last < gap / 2) {
          state.limited++;
          waitUntil.set(msg.channel, now + 1000);
          return answer(429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
        }
      }
      if (state.notInChannel.has(msg.channel)) return answer(200, { ok: false, error: 'not_in_channel' });
      if (!msg.text) return answer(200, { ok: false, error: 'no_text' });
      lastAt.set(msg.channel, now);
      const post: ChatPost = {
        channel: msg.channel,
        text: msg.text,
        ...(msg.blocks ? { blocks: msg.blocks } : {}),
        alertRef: msg.alertRef ?? null,
        ref: msg.ref ?? null,
        at: now,
        ts: `${now}.${state.posts.length + 1}`,
      };
      state.posts.push(post);
      const lost = state.lostAnswers > 0;
      if (lost) state.lostAnswers--;
      void Promise.resolve(state.afterAccept?.(post)).then(() =>
        lost
          ? answer(500, { ok: false, error: 'internal_error' })
          : answer(200, { ok: true, channel: msg.channel, ts: post.ts }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    storm(n: number, seconds: number) {
      stormLeft = n;
      stormSeconds = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

const PERMANENT = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'invalid_auth',
  'missing_scope',
]);

interface ChatClient {
  call(
    method: string,
    body: unknown,
  ): Promise<{ status: number; retryAfter: string | null; json: Record<string, unknown> }>;
}

/**
 * The test chat service as an integration offering `messaging`, paced at `pace` posts per channel
 * per second; `lookup: false` leaves `findPosted` out (a messenger that cannot look messages up).
 */
export const chatIntegration = (pace: number, opts: { lookup?: boolean } = {}) =>
  defineIntegration({
    name: 'chat',
    displayName: 'Test Chat',
    description: 'A chat service for the alerts tests.',
    category: 'messaging',
    roles: ['messaging'],
    docs: { keyUrl: 'https://chat.example/keys', scopes: ['post'], setup: 'docs/alerts.md' },
    credentials: z.object({ token: secret(z.string().min(4)) }),
    settings: z.object({ baseUrl: baseUrlSetting('https://chat.example') }),
    rateLimit: { perSecond: 1000 },
    defaultBaseUrl: 'https://chat.example',
    auth: (c) => ({ authorization: `Bearer ${c.token}` }),
    client: (ctx): ChatClient => ({
      async call(method, body) {
        const res = await fetch(`${ctx.settings.baseUrl}/${method}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ctx.credentials.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          json: (await res.json()) as never,
        };
      },
    }),
    validate: async (client: ChatClient) => {
      const r = await client.call('auth.test', {});
      if (!r.json.ok) throw new Error(String(r.json.error));
      return { accountLabel: String(r.json.team) };
    },
    messaging: {
      description: 'Alerts to channels.',
      pacePerTargetPerSecond: pace,
      open: (client: ChatClient): Messenger => ({
        listChannels: async () => [
          { id: 'C1', name: 'alerts', isPrivate: false, isArchived: false, isMember: true },
        ],
        findPersonByEmail: async () => null,
        renderCard: (card: AlertCard): OutgoingMessage => ({
          text: cardText(card),
          blocks: [{ type: 'card', alertRef: card.alertRef, actions: card.actions ?? [] }],
        }),
        async post(target: MessageTarget, message: OutgoingMessage) {
          const alertRef = (message.blocks?.[0] as { alertRef?: string } | undefined)?.alertRef;
          const r = await client.call('post', { channel: target.id, ...message, alertRef });
          if (r.status === 429) {
            throw new MessagingError('ratelimited', 'Rate limited', {
              retryAfterMs: Number(r.retryAfter ?? '1') * 1000,
              permanent: false,
              refused: true,
            });
          }
          // A 5xx answer says nothing of whether the message went in: not a refusal.
          if (r.status >= 500)
            throw new MessagingError('server_error', `The chat service failed (${r.status})`, {
              permanent: false,
            });
          if (!r.json.ok) throw refusal(r.json.error);
          return { channel: String(r.json.channel), ts: String(r.json.ts) };
        },
        update: async () => {},
        ...(opts.lookup === false
          ? {}
          : {
              async findPosted(target, ref, since) {
                let cursor: number | null = 0;
                while (cursor !== null) {
                  const r = await client.call('history', {
                    channel: target.id,
                    oldest: since.getTime(),
                    cursor,
                  });
                  if (!r.json.ok) throw refusal(r.json.error);
                  const page = r.json as unknown as {
                    messages: { ts: string; ref: MessageRef | null }[];
                    next_cursor: number | null;
                  };
                  const found = page.messages.find((m) => m.ref?.kind === ref.kind && m.ref.id === ref.id);
                  if (found) return { channel: target.id, ts: found.ts, attemptId: found.ref!.attemptId };
                  cursor = page.next_cursor;
                }
                return null;
              },
            }),
      }),
    },
  });

/** The service's `ok:false` as the messaging contract names it (nothing was posted). */
function refusal(error: unknown): MessagingError {
  const code = String(error);
  return new MessagingError(code, `The chat service refused the request: ${code}`, {
    permanent: PERMANENT.has(code),
    refused: true,
  });
}

export const chat = chatIntegration(20);
