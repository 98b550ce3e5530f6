import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/clock.js';
import stripe, { type StripeStreamState } from '../../../src/integrations/stripe/index.js';
import {
  type StripeSimulator,
  startStripeSimulator,
} from '../../../src/integrations/stripe/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { allRecords, executeRun, readStreamState, startSync } from '../../../src/sync/index.js';
import { createSyncTestbed, type SyncTestbed } from '../../support/testkit-integration/testbed.js';

const dataset = generateDataset({ seed: 'stripe-integration', companies: 250 });
/** Beton's clock, moved together with the simulator's when a test jumps ahead. */
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
let sim: StripeSimulator;
let bed: SyncTestbed;
let connectionId: string;

beforeAll(async () => {
  sim = await startStripeSimulator({ dataset });
  bed = await createSyncTestbed({ integrations: [stripe], clock });
  connectionId = await bed.connectWith('stripe', { apiKey: sim.apiKey }, { baseUrl: sim.url });
});
afterAll(async () => {
  await bed.close();
  await sim.close();
});
beforeEach(() => sim.server.setKnobs({ errorRate: 0, rateLimits: true }));

const sync = async (streams?: string[]) => {
  const run = await startSync(bed.deps, bed.workspaceId, 'stripe', {
    trigger: 'manual',
    ...(streams ? { streams } : {}),
  });
  return executeRun(bed.deps, bed.workspaceId, run.id);
};
const stored = <T>(stream: string, includeDeleted = false) =>
  allRecords<T>(bed.deps.db.kysely, bed.workspaceId, { integration: 'stripe', stream, includeDeleted });
const stateOf = async (stream: string) =>
  JSON.parse(
    (await readStreamState(bed.deps.db.kysely, {
      workspaceId: bed.workspaceId,
      connectionId,
      integration: 'stripe',
      stream,
    }))!.state_json!,
  ) as StripeStreamState;

describe('Stripe integration', () => {
  it('validates the key live: a good key gives the account, a bad one is refused and nothing is stored', async () => {
    await expect(
      bed.connectWith('stripe', { apiKey: 'sk_test_thisKeyIsNotKnown12345' }, { baseUrl: sim.url }),
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    await expect(
      bed.connectWith('stripe', { apiKey: 'pk_test_publishable1234567890' }, { baseUrl: sim.url }),
    ).rejects.toThrow(/publishable key/);
  });

  it('lists everything on the first run: customers, subscriptions with status=all, invoices, prices with products', async () => {
    const run = await sync();
    expect(run.status).toBe('succeeded');
    const customers = await stored<Stripe.Customer>('customers');
    expect(customers).toHaveLength(dataset.billing.customers.filter((c) => c.deleted === null).length);
    const subscriptions = await stored<Stripe.Subscription>('subscriptions');
    expect(subscriptions).toHaveLength(dataset.billing.subscriptions.length);
    expect(subscriptions.some((s) => s.payload.status === 'canceled')).toBe(true);
    const sample = subscriptions.find((s) => s.payload.status === 'active')!.payload;
    expect(sample.items.data[0]!.quantity).toBeGreaterThan(0);
    expect(await stored('invoices')).toHaveLength(dataset.billing.invoices.length);
    const prices = await stored<Stripe.Price>('prices');
    expect(prices).toHaveLength(6);
    expect((prices[0]!.payload.product as Stripe.Product).name).toMatch(/^Beton Cloud/);
    expect(await stateOf('customers')).toMatchObject({ phase: 'events' });
  });

  it('picks up an update to an old subscription through events, which a created cursor would miss', async () => {
    const oldest = sim.store.subscriptions
      .filter((s) => sim.store.currentVersion(s).status === 'active')
      .at(-1)!;
    const quantity = sim.store.currentVersion(oldest).quantity + 4;
    sim.store.updateSubscription(oldest.id, { quantity });
    const listCallsBefore = sim.server.counters.byRoute['GET /v1/subscriptions'] ?? 0;
    const run = await sync(['subscriptions']);
    expect(run.status).toBe('succeeded');
    expect(run.streams.subscriptions).toMatchObject({ written: 1 });
    expect(sim.server.counters.byRoute['GET /v1/subscriptions'] ?? 0).toBe(listCallsBefore);
    const record = (await stored<Stripe.Subscription>('subscriptions')).find(
      (r) => r.externalId === oldest.id,
    )!;
    expect(record.payload.items.data[0]!.quantity).toBe(quantity);
  });

  it('marks a deleted customer deleted and keeps its row', async () => {
    const victim = sim.store.customers.find((c) => c.deleted === null)!;
    sim.store.deleteCustomer(victim.id);
    const run = await sync(['customers', 'subscriptions']);
    expect(run.status).toBe('succeeded');
    expect(run.streams.customers).toMatchObject({ deleted: 1 });
    expect((await stored('customers')).some((r) => r.externalId === victim.id)).toBe(false);
    const row = (await stored('customers', true)).find((r) => r.externalId === victim.id)!;
    expect(row.deletedAt).not.toBeNull();
  });

  it('sees a new customer on the next run and counts the rest unchanged', async () => {
    const created = sim.store.createCustomer({
      email: 'new@fresh.io',
      name: 'Fresh',
      metadata: { domain: 'fresh.io' },
    });
    const run = await sync(['customers']);
    expect(run.streams.customers).toMatchObject({ written: 1, deleted: 0 });
    expect(
      (await stored<Stripe.Customer>('customers')).find((r) => r.externalId === created.id)!.payload.metadata,
    ).toEqual({
      domain: 'fresh.io',
    });
  });

  it('goes back to a full listing when the cursor is older than the 30 days of events Stripe keeps', async () => {
    const listBefore = sim.server.counters.byRoute['GET /v1/customers'] ?? 0;
    offsetMs += 31 * 86_400_000;
    sim.clock.advance(31 * 86_400_000);
    const run = await sync(['customers']);
    expect(run.status).toBe('succeeded');
    expect(run.streams.customers!.full).toBe(true);
    expect(sim.server.counters.byRoute['GET /v1/customers'] ?? 0).toBeGreaterThan(listBefore);
    const live = sim.store.customers.filter((c) => c.deleted === null).length;
    expect(run.streams.customers!.read).toBe(live);
    // Only fields Stripe changes without an event (next_invoice_sequence after an invoice) differ.
    expect(run.streams.customers!.unchanged).toBeGreaterThanOrEqual(live - 2);
  });

  it('stays under the 25 requests a second limit, and retries the 429s it still meets', async () => {
    const tight = await startStripeSimulator({ dataset, requestsPerSecond: 5 });
    const bed2 = await createSyncTestbed({ integrations: [stripe], maxAttempts: 12 });
    try {
      await bed2.connectWith('stripe', { apiKey: tight.apiKey }, { baseUrl: tight.url });
      const run = await startSync(bed2.deps, bed2.workspaceId, 'stripe', {
        trigger: 'manual',
        streams: ['invoices'],
      });
      const done = await executeRun(bed2.deps, bed2.workspaceId, run.id);
      expect(done.error?.message ?? null).toBeNull();
      expect(done.status).toBe('succeeded');
      expect(tight.server.counters.rateLimited).toBeGreaterThan(0);
      expect(done.counts.read).toBe(dataset.billing.invoices.length);
    } finally {
      await bed2.close();
      await tight.close();
    }
  });

  it('retries 5xx answers, and fails clearly with the cursor at the last good page when they do not stop', async () => {
    sim.server.setKnobs({ errorRate: 1 });
    const run = await sync(['invoices']);
    expect(run.status).toBe('failed');
    expect(run.error?.message).toMatch(/stripe/i);
    sim.server.setKnobs({ errorRate: 0 });
    const again = await sync(['invoices']);
    expect(again.status).toBe('succeeded');
  });
});
