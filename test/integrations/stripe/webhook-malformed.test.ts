import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type StripeSimulator,
  startStripeSimulator,
} from '../../../src/integrations/stripe/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { listWebhookRejects } from '../../../src/sync/index.js';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';

/**
 * Issue 21, finding 10: a correctly signed delivery that is not an event (no id, an id that is not a
 * string, an array body, nesting too deep to store) used to answer 500. It answers 400
 * `malformed_event`, is recorded with its reason, and writes nothing.
 */
const dataset = generateDataset({ seed: 'stripe-webhook-malformed', companies: 10 });
let t: TestRuntime;
let sim: StripeSimulator;
let connectionId: string;

beforeAll(async () => {
  sim = await startStripeSimulator({ dataset });
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  const res = await t.request('PUT', '/api/v1/integrations/stripe', {
    key: t.keys.admin,
    body: {
      credentials: { apiKey: sim.apiKey, webhookSecret: sim.webhookSecret },
      settings: { baseUrl: sim.url },
    },
  });
  expect(res.status).toBe(200);
  connectionId = res.json.integration.connection.id;
});
afterAll(async () => {
  await t.close();
  await sim.close();
});

const signed = (payload: string) =>
  t.request('POST', `/api/v1/webhooks/stripe/${connectionId}`, {
    rawBody: payload,
    headers: {
      'content-type': 'application/json',
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: sim.webhookSecret }),
    },
  });

const now = () => Math.floor(Date.now() / 1000);
const customer = { id: 'cus_Malformed1', object: 'customer', email: 'a@acme.test' };
// Built as text: 50,000 levels (≈600 kB, under the body limit) overflow a recursive serialiser.
const DEPTH = 50_000;
const deep = `${'{"nested":'.repeat(DEPTH)}{"id":"cus_Deep","object":"customer"}${'}'.repeat(DEPTH)}`;

const cases: [string, string, RegExp][] = [
  [
    'no id',
    JSON.stringify({ type: 'customer.updated', created: now(), data: { object: customer } }),
    /"id" is missing/,
  ],
  [
    'an id that is not a string',
    JSON.stringify({ id: 42, type: 'customer.updated', created: now(), data: { object: customer } }),
    /"id" is a number/,
  ],
  ['an array body', JSON.stringify([{ id: 'evt_1', type: 'customer.updated' }]), /an array/],
  [
    'nesting too deep to store',
    `{"id":"evt_Deep1","type":"customer.updated","created":${now()},"data":{"object":${deep}}}`,
    /nests deeper than/,
  ],
  ['a body that is not JSON', '{"id": "evt_1",', /not JSON/],
];

describe('a correctly signed Stripe delivery that is not an event', () => {
  it.each(cases)(
    'with %s answers 400 malformed_event, is recorded and writes nothing',
    async (_name, payload, why) => {
      const before = await listWebhookRejects(t.rt.db.kysely, t.workspaceId, connectionId);
      const res = await signed(payload);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('malformed_event');
      expect(res.json.error.message).toMatch(why);
      const after = await listWebhookRejects(t.rt.db.kysely, t.workspaceId, connectionId);
      expect(after.length).toBe(before.length + 1);
      expect(after[0]).toMatchObject({ integration: 'stripe' });
      expect(after[0]!.reason).toMatch(why);
      const events = await t.rt.db.kysely
        .selectFrom('webhook_events')
        .select('event_id')
        .where('workspace_id', '=', t.workspaceId)
        .execute();
      expect(events).toEqual([]);
      const records = await t.rt.db.kysely
        .selectFrom('records')
        .select('external_id')
        .where('workspace_id', '=', t.workspaceId)
        .where('external_id', 'in', ['cus_Malformed1', 'cus_Deep'])
        .execute();
      expect(records).toEqual([]);
    },
  );

  it('an unsigned malformed delivery is refused as a bad signature and not recorded', async () => {
    const before = await listWebhookRejects(t.rt.db.kysely, t.workspaceId, connectionId);
    const res = await t.request('POST', `/api/v1/webhooks/stripe/${connectionId}`, {
      rawBody: '[]',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_signature');
    expect(await listWebhookRejects(t.rt.db.kysely, t.workspaceId, connectionId)).toHaveLength(before.length);
  });

  it('an integration without webhooks has no endpoint: 404', async () => {
    const res = await t.request('POST', `/api/v1/webhooks/apollo/${connectionId}`, {
      rawBody: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(404);
  });
});
