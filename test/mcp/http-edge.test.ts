import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRateLimiter } from '../../src/mcp/index.js';
import { createTestRuntime, signIn, type TestRuntime } from '../support/index.js';
import { call, httpClient, READ_TOOLS, stdioClient, textOf, WRITE_TOOLS } from './support.js';

/** The /mcp endpoint's edges: who may call it, how often, and what a server without writes offers. */

let t: TestRuntime;
const RATE = 12;

beforeAll(async () => {
  t = await createTestRuntime({ env: { BETON_MCP_RATE_LIMIT: String(RATE) } });
});
afterAll(() => t.close());

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const post = (headers: Record<string, string>) =>
  t.request('POST', '/mcp', {
    body: initialize,
    headers: { accept: 'application/json, text/event-stream', ...headers },
  });

describe('/mcp authentication', () => {
  it('refuses a request without a key, with a garbage key, and with a session cookie only', async () => {
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.json.error.message).toContain('Authorization: Bearer beton_');
    const garbage = await post({
      authorization: 'Bearer beton_abcdefgh_notarealkeynotarealkeynotarealkey00',
    });
    expect(garbage.status).toBe(401);
    // A signed-in browser must not be able to drive the tools (CSRF): cookies do not authenticate.
    const cookie = await signIn(t, t.users.owner);
    const withCookie = await post({ cookie, origin: t.baseUrl, 'sec-fetch-site': 'same-origin' });
    expect(withCookie.status).toBe(401);
  });

  it('answers GET and DELETE with 405 (stateless server), after authenticating', async () => {
    expect((await t.request('GET', '/mcp')).status).toBe(401);
    const get = await t.request('GET', '/mcp', { key: t.keys.viewer });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await t.request('DELETE', '/mcp', { key: t.keys.viewer })).status).toBe(405);
  });

  it('is left out of the OpenAPI document', async () => {
    const doc = (await t.request('GET', '/api/openapi.json')).json;
    expect(Object.keys(doc.paths)).not.toContain('/mcp');
  });
});

describe('/mcp without BETON_MCP_WRITES', () => {
  it('lists only the read tools, even to an owner, and refuses a write tool by name', async () => {
    const client = await httpClient(t, t.keys.owner);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS].sort());
      for (const name of WRITE_TOOLS) {
        const res = await call(client, name, {});
        expect(res.isError).toBe(true);
        expect(textOf(res)).toContain('not found');
      }
    } finally {
      await client.close();
    }
  });
});

describe('/mcp rate limit', () => {
  it('answers 429 with Retry-After once a key spent its budget; other keys are not affected', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < RATE + 2; i++) {
      const res = await post({ authorization: `Bearer ${t.keys.member}` });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(res.json.error.code).toBe('rate_limited');
      }
    }
    // Earlier tests spent none of the member key's budget.
    expect(statuses.slice(0, RATE).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(RATE)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await post({ authorization: `Bearer ${t.keys.admin}` })).status).toBe(200);
  });
});

describe('beton mcp rate limit', () => {
  it('answers a tool error saying when to retry once the budget is spent, and audits it', async () => {
    const { client } = await stdioClient(t, ['--workspace', t.workspaceId], { BETON_MCP_RATE_LIMIT: '2' });
    try {
      expect((await call(client, 'list_signals')).isError).toBeFalsy();
      expect((await call(client, 'list_signals')).isError).toBeFalsy();
      const limited = await call(client, 'list_signals');
      expect(limited.isError).toBe(true);
      expect(textOf(limited)).toMatch(/Rate limit: .* 2 calls a minute\. Retry in \d+ s\./);
    } finally {
      await client.close();
    }
    const audit = await t.request('GET', '/api/v1/audit-log?action=mcp.tool_call&limit=5', {
      key: t.keys.owner,
    });
    expect(audit.json.entries[0]).toMatchObject({
      actorType: 'cli',
      targetId: 'list_signals',
      details: { rateLimited: true, ok: false },
    });
  }, 120_000);
});

describe('KeyRateLimiter', () => {
  it('refills continuously at the rate and counts each key apart', () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const limiter = new KeyRateLimiter(60, { now: () => new Date(now) });
    for (let i = 0; i < 60; i++) expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take('b').ok).toBe(true);
    now += 1_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    now += 60_000;
    for (let i = 0; i < 60; i++) expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
  });
});
