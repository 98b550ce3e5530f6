import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  HttpClient,
  type HttpError,
  MalformedResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  TimeoutError,
  UpstreamError,
  ValidationError,
} from '../../../src/core/http/index.js';
import { metrics } from '../../../src/core/metrics.js';

type Reply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

/** A server answering from a script of replies, one per request, the last one repeating. */
async function scripted() {
  let script: Reply[] = [];
  const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; at: number }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers, at: Date.now() });
    const reply = script.length > 1 ? script.shift()! : script[0]!;
    const send = () => {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body ?? '{}');
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    play(...replies: Reply[]) {
      script = replies;
      seen.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const KEY = 'sk_test_abcdefghijklmnop';

/** The error a call failed with (the test fails if it succeeded). */
async function caught(call: Promise<unknown>): Promise<HttpError & { retryAfterMs?: number }> {
  try {
    await call;
  } catch (error) {
    return error as HttpError;
  }
  throw new Error('expected the call to fail');
}

describe('HttpClient', () => {
  let server: Awaited<ReturnType<typeof scripted>>;
  let client: HttpClient;

  beforeAll(async () => {
    server = await scripted();
    client = new HttpClient({
      integration: 'acme',
      baseUrl: server.url,
      headers: { authorization: `Bearer ${KEY}` },
      secrets: [KEY],
      allowPrivateHosts: true,
      retry: { maxAttempts: 4, baseDelayMs: 10, maxWaitMs: 5_000 },
      timeoutMs: 2_000,
    });
  });
  afterAll(() => server.close());

  const elapsed = async (fn: () => Promise<unknown>) => {
    const start = Date.now();
    await fn();
    return Date.now() - start;
  };

  it('waits for Retry-After in seconds, then succeeds', async () => {
    server.play({ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: '{"ok":true}' });
    const ms = await elapsed(async () => expect(await client.get('/v1/x')).toEqual({ ok: true }));
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(server.seen).toHaveLength(2);
  });

  it('waits for Retry-After as an HTTP date, then succeeds', async () => {
    const at = new Date(Date.now() + 2_000).toUTCString();
    server.play({ status: 429, headers: { 'retry-after': at } }, { status: 200, body: '{"ok":1}' });
    const ms = await elapsed(() => client.get('/v1/x'));
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(server.seen[1]!.at).toBeGreaterThanOrEqual(Date.parse(at) - 50);
  });

  it('reads "available in N seconds" from a 429 body without the header', async () => {
    server.play(
      {
        status: 429,
        body: JSON.stringify({ detail: 'Request was throttled. Expected available in 1 seconds.' }),
      },
      { status: 200, body: '{}' },
    );
    expect(await elapsed(() => client.get('/v1/x'))).toBeGreaterThanOrEqual(950);
  });

  it('backs off on a bare 429, and counts it', async () => {
    const before = (await metrics.getSingleMetric('beton_integration_rate_limited_total')!.get()).values.find(
      (v) => v.labels.integration === 'acme',
    )?.value;
    server.play({ status: 429 }, { status: 429 }, { status: 200, body: '{}' });
    await client.get('/v1/x');
    expect(server.seen).toHaveLength(3);
    const after = (await metrics.getSingleMetric('beton_integration_rate_limited_total')!.get()).values.find(
      (v) => v.labels.integration === 'acme',
    )?.value;
    expect((after ?? 0) - (before ?? 0)).toBe(2);
  });

  it('refuses to wait longer than the cap: RateLimitedError at once', async () => {
    server.play({ status: 429, headers: { 'retry-after': '3600' } });
    const start = Date.now();
    const error = await caught(client.get('/v1/x'));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(Date.now() - start).toBeLessThan(1_000);
  });

  it('retries a 5xx storm, then fails with the status and the service message', async () => {
    server.play({ status: 503, body: JSON.stringify({ message: 'overloaded' }) });
    const error = await caught(client.get('/v1/x'));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstreamStatus: 503, upstreamMessage: 'overloaded', retryable: true });
    expect(server.seen).toHaveLength(4);
  });

  it('does not retry a 5xx on a POST (it may have been applied)', async () => {
    server.play({ status: 500 });
    await expect(client.post('/v1/x', { a: 1 })).rejects.toBeInstanceOf(UpstreamError);
    expect(server.seen).toHaveLength(1);
  });

  it('classifies 4xx answers and never carries the key, even when the service echoes it', async () => {
    server.play({
      status: 401,
      body: JSON.stringify({ error: { message: `Invalid API key provided: ${KEY}` } }),
    });
    const auth = await caught(client.get('/v1/x'));
    expect(auth).toBeInstanceOf(AuthError);
    expect(JSON.stringify({ m: auth.message, d: auth.details, u: auth.upstreamMessage })).not.toContain(KEY);
    expect(auth.upstreamMessage).toBe('Invalid API key provided: [redacted]');
    expect(server.seen).toHaveLength(1);

    const cases: Array<[number, unknown]> = [
      [403, PermissionError],
      [402, PermissionError],
      [404, NotFoundError],
      [422, ValidationError],
      [409, ValidationError],
    ];
    for (const [status, kind] of cases) {
      server.play({ status, body: JSON.stringify({ error: 'nope', error_code: 'X' }) });
      const error = await caught(client.get('/v1/x'));
      expect(error, String(status)).toBeInstanceOf(kind);
      expect(error.upstreamStatus).toBe(status);
      expect(error.upstreamMessage).toBe('nope');
    }
  });

  it('returns accepted statuses as answers', async () => {
    server.play({ status: 404, body: '{"organization":null}' });
    const res = await client.request({ path: '/v1/x', accept: [404] });
    expect(res).toMatchObject({ status: 404, data: { organization: null } });
  });

  it('times out a slow answer per attempt, and retries it', async () => {
    const quick = new HttpClient({
      integration: 'acme',
      baseUrl: server.url,
      allowPrivateHosts: true,
      timeoutMs: 100,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxWaitMs: 10 },
    });
    server.play({ status: 200, delayMs: 400 });
    const error = await caught(quick.get('/v1/x'));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.status).toBe(504);
    expect(server.seen).toHaveLength(2);
  });

  it('turns a refused connection into a NetworkError', async () => {
    const dead = await scripted();
    await dead.close();
    const offline = new HttpClient({
      integration: 'acme',
      baseUrl: dead.url,
      allowPrivateHosts: true,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    const error = await caught(offline.get('/v1/x'));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('retries a malformed JSON body, then says so', async () => {
    server.play({ status: 200, body: '{"data": [1, 2' });
    await expect(client.get('/v1/x')).rejects.toBeInstanceOf(MalformedResponseError);
    expect(server.seen).toHaveLength(4);
  });

  it('sends credentials only to the base URL origin: not to a redirect elsewhere, not to an absolute link elsewhere', async () => {
    const other = await scripted();
    try {
      other.play({ status: 200, body: '{"moved":true}' });
      server.play({ status: 302, headers: { location: `${other.url}/landing` } });
      expect(await client.get('/v1/x')).toEqual({ moved: true });
      expect(server.seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(other.seen[0]!.headers.authorization).toBeUndefined();
      await expect(client.get(`${other.url}/v1/next`)).rejects.toMatchObject({ code: 'unsafe_url' });
    } finally {
      await other.close();
    }
  });

  it('serialises query parameters, arrays repeated', async () => {
    server.play({ status: 200, body: '{}' });
    await client.get('/v1/list', { limit: 10, 'expand[]': ['data.customer', 'data.price'], skip: undefined });
    expect(server.seen[0]!.path).toBe('/v1/list?limit=10&expand%5B%5D=data.customer&expand%5B%5D=data.price');
  });
});
