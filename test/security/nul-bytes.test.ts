import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../src/api/index.js';
import { slackSignature } from '../../src/integrations/slack/index.js';
import {
  type AnyJson,
  createTestRuntime,
  storeConnection,
  type TestResponse,
  type TestRuntime,
} from '../support/index.js';
import { apiRoutes, bodySchema, fillUrl, paramNames } from './support/routes.js';

/**
 * A NUL character (U+0000) anywhere a request carries text — a path id, a query parameter, a JSON
 * body (value or key, however deep), a signed Stripe event's ids — answers 400 `invalid_character`
 * on every route, before authentication and before the database: Postgres text cannot hold NUL and
 * used to answer 500, on the unauthenticated webhook path too. Run on SQLite and Postgres.
 */
const NUL = '\u0000';
let t: TestRuntime;
let routes: RouteEntry[];
let doc: AnyJson;
let stripeConnectionId: string;
const WEBHOOK_SECRET = 'whsec_nul_test_0123456789abcdef';
const SLACK_SIGNING_SECRET = '8f742231b10e8888abcd99e5f0c1d2a3';

beforeAll(async () => {
  t = await createTestRuntime();
  routes = apiRoutes(t.app).filter((r) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method));
  doc = (await t.request('GET', '/api/openapi.json')).json;
  stripeConnectionId = await storeConnection(t.rt, t.workspaceId, 'stripe', {
    secrets: { apiKey: 'sk_test_nul_0123456789', webhookSecret: WEBHOOK_SECRET },
  });
  await storeConnection(t.rt, t.workspaceId, 'slack', {
    secrets: { botToken: 'xoxb-nul-0123456789', signingSecret: SLACK_SIGNING_SECRET },
  });
});
afterAll(async () => {
  await t?.close();
});

function expectRefused(res: TestResponse, what: string) {
  expect(res.status, `${what}: ${res.text.slice(0, 200)}`).toBe(400);
  expect(res.json?.error?.code, what).toBe('invalid_character');
  expect(res.json.error.message).toMatch(/NUL character/);
}

const withParams = (route: RouteEntry, value: (name: string) => string) =>
  fillUrl(route.url, Object.fromEntries(paramNames(route.url).map((n) => [n, value(n)])));

describe('NUL characters', () => {
  it('are refused in every path parameter of every route, signed in or not', async () => {
    const withParam = routes.filter((r) => paramNames(r.url).length > 0);
    expect(withParam.length).toBeGreaterThan(10);
    for (const route of withParam) {
      for (const name of paramNames(route.url)) {
        const url = withParams(route, (n) => (n === name ? `a${NUL}b` : 'x'));
        const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
        expectRefused(
          await t.request(route.method, url, { key: t.keys.admin, ...(body ? { body } : {}) }),
          `${route.method} ${url}`,
        );
        expectRefused(
          await t.request(route.method, url, body ? { body } : {}),
          `${route.method} ${url} unauthenticated`,
        );
      }
    }
  });

  it('are refused in the query string of every GET route', async () => {
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const url = `${withParams(route, () => 'x')}?q=a%00b&limit=1`;
      expectRefused(await t.request('GET', url, { key: t.keys.admin }), url);
    }
    // The spelling of a key does not matter, nor a NUL as the whole value.
    expectRefused(await t.request('GET', '/api/v1/accounts?signal=%00', { key: t.keys.admin }), 'signal=%00');
    expectRefused(await t.request('GET', '/api/v1/accounts?a%00=1', { key: t.keys.admin }), 'NUL in a key');
    // "%2500" is the text "%00", not a NUL.
    const text = await t.request('GET', '/api/v1/accounts?signal=%2500', { key: t.keys.admin });
    expect(text.status).toBe(200);
  });

  it('are refused anywhere in a JSON body of every write route (value, key, deep)', async () => {
    const writes = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && bodySchema(doc, r));
    expect(writes.length).toBeGreaterThan(5);
    const deep = (depth: number): unknown => (depth === 0 ? `x${NUL}` : { a: [deep(depth - 1)] });
    for (const route of writes) {
      const url = withParams(route, () => 'x');
      for (const body of [
        { name: `a${NUL}b`, email: `a${NUL}@example.test`, streams: [`s${NUL}`] },
        { [`key${NUL}`]: 'value' },
        { nested: deep(200) },
      ]) {
        expectRefused(
          await t.request(route.method, url, { key: t.keys.admin, body }),
          `${route.method} ${url}`,
        );
      }
    }
  });

  it("are refused in a correctly signed Stripe event's ids, and nothing is recorded", async () => {
    const url = `/api/v1/webhooks/stripe/${stripeConnectionId}`;
    for (const event of [
      {
        id: `evt_${NUL}1`,
        type: 'customer.updated',
        created: 1,
        data: { object: { id: 'cus_1', object: 'customer' } },
      },
      {
        id: 'evt_2',
        type: 'customer.updated',
        created: 1,
        data: { object: { id: `cus_${NUL}`, object: 'customer' } },
      },
      {
        id: 'evt_3',
        type: `customer.${NUL}`,
        created: 1,
        data: { object: { id: 'cus_3', object: 'customer' } },
      },
    ]) {
      const payload = JSON.stringify(event);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
      const res = await t.request('POST', url, {
        rawBody: payload,
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      });
      expectRefused(res, payload);
    }
    const recorded = await t.rt.db.kysely.selectFrom('webhook_events').selectAll().execute();
    expect(recorded).toEqual([]);
    // A clean signed event still goes through the same door.
    const payload = JSON.stringify({
      id: 'evt_clean',
      type: 'customer.updated',
      created: 1,
      data: { object: { id: 'cus_clean', object: 'customer' } },
    });
    const ok = await t.request('POST', url, {
      rawBody: payload,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }),
      },
    });
    expect(ok.status).toBe(200);
  });

  it('are refused in a correctly signed, form-encoded interaction (Slack), and nothing is recorded', async () => {
    // The raw form body holds `%00` or `%5Cu0000`, never a NUL byte: it used to reach the database (500 on Postgres).
    const press = (value: string, user = 'U1') => ({
      type: 'block_actions',
      team: { id: 'T1' },
      user: { id: user, username: 'ana' },
      container: { type: 'message', channel_id: 'C1', message_ts: '1.000001' },
      actions: [{ type: 'button', action_id: 'beton_feedback:useful', value }],
    });
    const form = (payload: unknown, extra = '') =>
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString() + extra;
    const send = (body: string) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      return t.request('POST', '/api/v1/integrations/slack/interactions', {
        rawBody: body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': timestamp,
          'x-slack-signature': slackSignature(SLACK_SIGNING_SECRET, timestamp, body),
        },
      });
    };
    for (const body of [
      form(press(`alert${NUL}9`)),
      form(press('alert-9', `U${NUL}1`)),
      form(press('alert-9'), '&note=a%00b'),
      form(press('alert-9'), `&a%00=1`),
    ]) {
      expectRefused(await send(body), body);
    }
    expect(await t.rt.db.kysely.selectFrom('alert_feedback').selectAll().execute()).toEqual([]);
    // A clean signed press goes through the same door (to the alerts feedback: no such alert here).
    const clean = await send(form(press('alert-9')));
    expect(clean.status).toBe(404);
    expect(clean.json.error.message).toContain('alert-9');
  });

  it('are refused on the sign-in and sign-up endpoints', async () => {
    for (const path of ['/api/auth/sign-in/email', '/api/auth/sign-up/email']) {
      const res = await t.request('POST', path, {
        body: { email: `a${NUL}@example.test`, password: `pw${NUL}pw-long-enough`, name: `n${NUL}` },
        headers: { origin: t.baseUrl },
      });
      expectRefused(res, path);
    }
  });
});
