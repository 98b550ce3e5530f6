import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny service for the integration framework's own tests and benchmarks, over real HTTP: a list of
 * items paged by id (`next` links), a change feed (updates and deletions by sequence number), a count,
 * an identity endpoint, bearer-key auth, a rate limit, and fault knobs (429 in its three forms, 5xx,
 * a repeating `next`, invalid records, latency). Items are computed from their index, so a
 * million-item source costs no memory.
 */
export interface TestkitItem {
  id: string;
  name: string;
  value: number;
  tags: string[];
  updated_seq: number;
}

export interface SimulatorFaults {
  /** Answer the next N requests 429 in this form. */
  rateLimited?: { times: number; form: 'seconds' | 'date' | 'body' | 'bare'; waitSeconds?: number };
  /** Answer the next N requests (after `after` good ones) 503. */
  serverErrors?: { times: number; after?: number };
  /** `next` links point at the page just served. */
  repeatNext?: boolean;
  /** Every Nth item (by index) has a string `value`, which the stream's schema rejects. */
  invalidEvery?: number;
  /** Delay every answer. */
  latencyMs?: number;
}

export interface SimulatorOptions {
  apiKey?: string;
  items?: number;
  /** Requests per second per key; excess answered 429 with `Retry-After: 1`. */
  ratePerSecond?: number;
}

export interface TestkitSimulator {
  url: string;
  apiKey: string;
  faults: SimulatorFaults;
  stats: { requests: number; rateLimited: number; byPath: Record<string, number> };
  /** The live items, in id order (test-sized sources only). */
  liveItems(): TestkitItem[];
  update(index: number, patch: Partial<Pick<TestkitItem, 'name' | 'value'>>): void;
  remove(index: number): void;
  /** Remove without a change-feed entry: only a full pass can notice. */
  removeSilently(index: number): void;
  add(count: number): void;
  close(): Promise<void>;
}

const idOf = (index: number) => `item_${String(index).padStart(8, '0')}`;

/** The item at `index` as first served (before any update): benchmarks build the same rows from it. */
export function testkitItem(index: number): TestkitItem {
  return {
    id: idOf(index),
    name: `Item ${index}`,
    value: index * 3,
    tags: index % 2 === 0 ? ['even'] : ['odd'],
    updated_seq: 0,
  };
}
const indexOf = (id: string) => Number(id.slice(5));

export async function startTestkitSimulator(opts: SimulatorOptions = {}): Promise<TestkitSimulator> {
  const apiKey = opts.apiKey ?? 'tk_live_0123456789abcdef';
  let total = opts.items ?? 250;
  let seq = 0;
  const changed = new Map<number, Partial<TestkitItem>>();
  const removed = new Set<number>();
  const feed: Array<{ seq: number; index: number; type: 'updated' | 'deleted' }> = [];
  const faults: SimulatorFaults = {};
  const stats = { requests: 0, rateLimited: 0, byPath: {} as Record<string, number> };
  let windowStart = 0;
  let windowCount = 0;
  let goodSince5xx = 0;

  const itemAt = (index: number): TestkitItem | Record<string, unknown> => {
    const base = { ...testkitItem(index), ...changed.get(index) };
    if (faults.invalidEvery && index % faults.invalidEvery === 0) return { ...base, value: 'not-a-number' };
    return base;
  };

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    stats.requests += 1;
    stats.byPath[url.pathname] = (stats.byPath[url.pathname] ?? 0) + 1;
    if (url.pathname === '/__stats') return send(res, 200, stats);
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      const given = String(req.headers.authorization ?? '').replace(/^Bearer\s+/, '');
      // Echo the key like some real services do: the client must scrub it.
      return send(res, 401, {
        error: { type: 'invalid_request_error', message: `Invalid API key provided: ${given}` },
      });
    }
    if (opts.ratePerSecond) {
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        windowCount = 0;
      }
      windowCount += 1;
      if (windowCount > opts.ratePerSecond) {
        stats.rateLimited += 1;
        return send(res, 429, { error: { message: 'Too many requests' } }, { 'retry-after': '1' });
      }
    }
    const limited = faults.rateLimited;
    if (limited && limited.times > 0) {
      limited.times -= 1;
      stats.rateLimited += 1;
      const wait = limited.waitSeconds ?? 1;
      if (limited.form === 'seconds')
        return send(res, 429, { message: 'slow down' }, { 'retry-after': String(wait) });
      if (limited.form === 'date') {
        return send(
          res,
          429,
          { status_code: 429, type: 'rate_limit_error', message: 'Rate limit exceeded' },
          { 'retry-after': new Date(Date.now() + wait * 1000).toUTCString() },
        );
      }
      if (limited.form === 'body') {
        return send(res, 429, {
          type: 'throttled_error',
          detail: `Request was throttled. Expected available in ${wait} seconds.`,
        });
      }
      return send(res, 429, { message: 'throttled' });
    }
    const errors = faults.serverErrors;
    if (errors && errors.times > 0) {
      if (goodSince5xx >= (errors.after ?? 0)) {
        errors.times -= 1;
        return send(res, 503, { message: 'upstream overloaded' });
      }
      goodSince5xx += 1;
    }

    if (url.pathname === '/v1/me') return send(res, 200, { account: { id: 'acct_1', name: 'Testkit Co' } });
    if (url.pathname === '/v1/items/count') return send(res, 200, { count: total - removed.size });
    if (url.pathname === '/v1/items') {
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100), 1), 5000);
      const after = url.searchParams.get('after');
      let index = after ? indexOf(after) + 1 : 0;
      const data: unknown[] = [];
      while (index < total && data.length < limit) {
        if (!removed.has(index)) data.push(itemAt(index));
        index += 1;
      }
      const lastId = (data[data.length - 1] as { id?: string } | undefined)?.id;
      const hasMore = index < total;
      const nextUrl = new URL(`http://${req.headers.host}/v1/items`);
      nextUrl.searchParams.set('limit', String(limit));
      if (faults.repeatNext && after) nextUrl.searchParams.set('after', after);
      else if (lastId) nextUrl.searchParams.set('after', lastId);
      return send(res, 200, { data, has_more: hasMore, next: hasMore ? nextUrl.toString() : null, seq });
    }
    if (url.pathname === '/v1/changes') {
      const since = Number(url.searchParams.get('since') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), 1000);
      const entries = feed.filter((e) => e.seq > since).slice(0, limit);
      return send(res, 200, {
        data: entries.map((e) =>
          e.type === 'deleted'
            ? { seq: e.seq, type: 'deleted', id: idOf(e.index) }
            : { seq: e.seq, type: 'updated', item: itemAt(e.index) },
        ),
        has_more: feed.filter((e) => e.seq > since).length > entries.length,
        seq,
      });
    }
    return send(res, 404, { error: { message: `No such path ${url.pathname}` } });
  };

  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (faults.latencyMs) setTimeout(() => handle(req, res), faults.latencyMs);
      else handle(req, res);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    faults,
    stats,
    liveItems() {
      const out: TestkitItem[] = [];
      for (let i = 0; i < total; i++) if (!removed.has(i)) out.push(itemAt(i) as TestkitItem);
      return out;
    },
    update(index, patch) {
      seq += 1;
      changed.set(index, { ...changed.get(index), ...patch, updated_seq: seq });
      feed.push({ seq, index, type: 'updated' });
    },
    remove(index) {
      seq += 1;
      removed.add(index);
      feed.push({ seq, index, type: 'deleted' });
    },
    removeSilently(index) {
      removed.add(index);
    },
    add(count) {
      for (let i = 0; i < count; i++) {
        seq += 1;
        feed.push({ seq, index: total, type: 'updated' });
        total += 1;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
