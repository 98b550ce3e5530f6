import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type StripeSimulator,
  startStripeSimulator,
} from '../../../src/integrations/stripe/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { allRecords } from '../../../src/sync/index.js';
import { type AnyJson, createTestRuntime, type TestRuntime } from '../../support/index.js';

const dataset = generateDataset({ seed: 'stripe-webhooks', companies: 60 });
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

const deliver = (payload: string, opts: { timestamp?: number; secret?: string; id?: string } = {}) => {
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? sim.webhookSecret,
    ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
  });
  return t.request('POST', `/api/v1/webhooks/stripe/${opts.id ?? connectionId}`, {
    rawBody: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  });
};
/** A subscription update made in the simulator, as Stripe would deliver it (pretty-printed, like Stripe). */
const subscriptionEvent = (quantity: number) => {
  const sub = sim.store.subscriptions.find((s) => sim.store.currentVersion(s).status === 'active')!;
  sim.store.updateSubscription(sub.id, { quantity });
  const event = sim.store.events.find(
    (e) => e.type === 'customer.subscription.updated' && e.objectId === sub.id,
  )!;
  return { id: sub.id, payload: JSON.stringify(sim.store.renderEvent(event), null, 2) };
};
const stored = (stream: string, includeDeleted = false) =>
  allRecords<AnyJson>(t.rt.db.kysely, t.workspaceId, {
    integration: 'stripe',
    stream,
    includeDeleted,
  });

describe('POST /api/v1/webhooks/stripe/:connectionId', () => {
  it('accepts a correctly signed event and upserts the object it carries', async () => {
    const { id, payload } = subscriptionEvent(31);
    const res = await deliver(payload);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ received: true, duplicate: false, stored: true });
    const record = (await stored('subscriptions')).find((r) => r.externalId === id)!;
    expect(record.payload.items.data[0].quantity).toBe(31);
  });

  it('refuses a tampered body, a wrong secret and an expired signature with 400, storing nothing', async () => {
    const { id, payload } = subscriptionEvent(44);
    const tampered = payload.replace('"quantity": 44', '"quantity": 4400');
    expect(tampered).not.toBe(payload);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: sim.webhookSecret });
    const bad = await t.request('POST', `/api/v1/webhooks/stripe/${connectionId}`, {
      rawBody: tampered,
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalid_signature');
    expect((await deliver(payload, { secret: 'whsec_somebodyElse' })).status).toBe(400);
    const expired = await deliver(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(expired.status).toBe(400);
    expect(expired.json.error.message).toMatch(/tolerance|timestamp/i);
    const future = await deliver(payload, { timestamp: Math.floor(Date.now() / 1000) + 400 });
    expect(future.status).toBe(400);
    const missing = await t.request('POST', `/api/v1/webhooks/stripe/${connectionId}`, {
      rawBody: payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(missing.status).toBe(400);
    expect(
      (await stored('subscriptions')).find((r) => r.externalId === id)?.payload.items.data[0].quantity,
    ).not.toBe(4400);
  });

  it('acknowledges a replayed event without writing it again', async () => {
    const { id, payload } = subscriptionEvent(52);
    expect((await deliver(payload)).json.stored).toBe(true);
    const before = (await stored('subscriptions')).find((r) => r.externalId === id)!;
    const again = await deliver(payload);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ received: true, duplicate: true, stored: false });
    const after = (await stored('subscriptions')).find((r) => r.externalId === id)!;
    expect(after.changedAt).toBe(before.changedAt);
  });

  it('does not let an older event overwrite a newer one that arrived first', async () => {
    const older = subscriptionEvent(60);
    const olderEvent = JSON.parse(older.payload) as { created: number; id: string };
    const newer = JSON.parse(subscriptionEvent(61).payload) as { created: number; data: unknown; id: string };
    newer.created = olderEvent.created + 10;
    const newerPayload = JSON.stringify(newer);
    expect((await deliver(newerPayload)).json.stored).toBe(true);
    const late = await deliver(older.payload);
    expect(late.json).toEqual({ received: true, duplicate: false, stored: false });
    expect(
      (await stored('subscriptions')).find((r) => r.externalId === older.id)!.payload.items.data[0].quantity,
    ).toBe(61);
  });

  it('marks a customer deleted by customer.deleted', async () => {
    const victim = sim.store.customers.find((c) => c.deleted === null)!;
    sim.store.deleteCustomer(victim.id);
    const event = sim.store.events.find((e) => e.type === 'customer.deleted' && e.objectId === victim.id)!;
    expect((await deliver(JSON.stringify(sim.store.renderEvent(event)))).json.stored).toBe(true);
    const row = (await stored('customers', true)).find((r) => r.externalId === victim.id)!;
    expect(row.deletedAt).not.toBeNull();
  });

  it('acknowledges events it does not store, and answers 404 for an unknown connection', async () => {
    const other = JSON.stringify({
      id: 'evt_1Other',
      object: 'event',
      type: 'charge.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'ch_1', object: 'charge' } },
    });
    expect((await deliver(other)).json).toEqual({ received: true, duplicate: false, stored: false });
    const unknown = await deliver(other, { id: 'no-such-connection' });
    expect(unknown.status).toBe(404);
  });

  it('tells the user to add the signing secret when the connection has none', async () => {
    const ws = await t.createOtherWorkspace();
    const res = await t.request('PUT', '/api/v1/integrations/stripe', {
      key: ws.keys.admin,
      body: { credentials: { apiKey: sim.apiKey }, settings: { baseUrl: sim.url } },
    });
    const { payload } = subscriptionEvent(70);
    const answer = await deliver(payload, { id: res.json.integration.connection.id });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatchObject({ code: 'webhook_secret_missing' });
    expect(answer.json.error.message).toMatch(/whsec_/);
  });
});
