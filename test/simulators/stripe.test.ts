import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type StripeSimulator, startStripeSimulator } from '../../src/integrations/stripe/simulator/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';

const dataset = generateDataset({ seed: 'stripe-sim', companies: 400 });
let sim: StripeSimulator;
let stripe: Stripe;

const sdk = (key: string) => {
  const url = new URL(sim.url);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
};

beforeAll(async () => {
  sim = await startStripeSimulator({ dataset });
  stripe = sdk(sim.apiKey);
});
afterAll(() => sim.close());
beforeEach(() => sim.server.setKnobs({ rateLimits: false }));

const liveCustomers = () => dataset.billing.customers.filter((c) => c.deleted === null).length;

describe('Stripe simulator', () => {
  it('lists newest first with limit, starting_after, ending_before and has_more, like Stripe', async () => {
    const ids: string[] = [];
    for await (const c of stripe.customers.list({ limit: 100 })) ids.push(c.id);
    expect(ids).toHaveLength(liveCustomers());
    const first = await stripe.customers.list({ limit: 3 });
    expect(first.data.map((c) => c.id)).toEqual(ids.slice(0, 3));
    expect(first.has_more).toBe(true);
    const created = first.data.map((c) => c.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const next = await stripe.customers.list({ limit: 3, starting_after: ids[2] });
    expect(next.data.map((c) => c.id)).toEqual(ids.slice(3, 6));
    const back = await stripe.customers.list({ limit: 2, ending_before: ids[5] });
    expect(back.data.map((c) => c.id)).toEqual(ids.slice(3, 5));
    await expect(stripe.customers.list({ limit: 0 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'limit',
    });
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('filters lists by created ranges', async () => {
    const all = await stripe.customers.list({ limit: 100 });
    const pivot = all.data[50]!.created;
    const newer = await stripe.customers.list({ limit: 100, created: { gte: pivot } });
    expect(newer.data.every((c) => c.created >= pivot)).toBe(true);
    expect(newer.data.length).toBeGreaterThanOrEqual(51);
    const older = await stripe.customers.list({ limit: 100, created: { lt: pivot } });
    expect(older.data.every((c) => c.created < pivot)).toBe(true);
  });

  it('hides canceled subscriptions unless status=all, and shapes them after the reference object', async () => {
    const all: Stripe.Subscription[] = [];
    for await (const s of stripe.subscriptions.list({ limit: 100, status: 'all' })) all.push(s);
    const live: Stripe.Subscription[] = [];
    for await (const s of stripe.subscriptions.list({ limit: 100 })) live.push(s);
    expect(all).toHaveLength(dataset.billing.subscriptions.length);
    expect(all.some((s) => s.status === 'canceled')).toBe(true);
    expect(live.every((s) => s.status !== 'canceled')).toBe(true);
    expect(live.length).toBeLessThan(all.length);
    const item = live[0]!.items.data[0]!;
    expect(item).toMatchObject({
      object: 'subscription_item',
      price: { object: 'price', recurring: { interval: expect.any(String) } },
    });
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);
    expect(live[0]!.metadata.plan).toBeTruthy();
    // A listed object is the same object a retrieve renders.
    const retrieved = await stripe.subscriptions.retrieve(live[0]!.id);
    expect(JSON.parse(JSON.stringify(live[0]))).toEqual(JSON.parse(JSON.stringify(retrieved)));
  });

  it('expands data.product on prices and refuses an unknown expansion', async () => {
    const prices = await stripe.prices.list({ limit: 100, expand: ['data.product'] });
    expect(prices.data).toHaveLength(6);
    for (const p of prices.data) expect((p.product as Stripe.Product).name).toMatch(/^Beton Cloud /);
    await expect(stripe.prices.list({ expand: ['product'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.customers.list({ expand: ['data.nothing'] })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("answers a bad key 401 in Stripe's error shape", async () => {
    const res = await fetch(`${sim.url}/v1/customers`, {
      headers: { authorization: 'Bearer sk_test_wrongwrongwrongwrong1234' },
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    await expect(sdk('sk_test_wrongwrongwrongwrong1234').customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it('refuses more than 25 requests a second with 429 rate_limit', async () => {
    sim.server.setKnobs({ rateLimits: true });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${sim.url}/v1/prices?limit=1`, { headers: { authorization: `Bearer ${sim.apiKey}` } }).then(
          async (r) => ({
            status: r.status,
            body: (await r.json()) as { error?: { code?: string } },
          }),
        ),
      ),
    );
    const limited = statuses.filter((s) => s.status === 429);
    expect(statuses.filter((s) => s.status === 200)).toHaveLength(25);
    expect(limited).toHaveLength(15);
    expect(limited[0]!.body.error?.code).toBe('rate_limit');
  });

  it('records changes as events: an old subscription updated, a customer deleted', async () => {
    const old = dataset.billing.subscriptions
      .filter((s) => s.versions.at(-1)!.status === 'active')
      .sort((a, b) => a.created - b.created)[0]!;
    const before = await stripe.subscriptions.retrieve(old.id);
    const updated = await stripe.subscriptions.update(old.id, {
      items: [{ id: before.items.data[0]!.id, quantity: before.items.data[0]!.quantity! + 3 }],
    });
    expect(updated.items.data[0]!.quantity).toBe(before.items.data[0]!.quantity! + 3);
    const events = await stripe.events.list({ limit: 5, types: ['customer.subscription.updated'] });
    const event = events.data.find((e) => (e.data.object as Stripe.Subscription).id === old.id)!;
    expect(event).toBeDefined();
    expect(Object.keys(event.data.previous_attributes ?? {})).toContain('items');

    const victim = (await stripe.customers.list({ limit: 1 })).data[0]!;
    expect(await stripe.customers.del(victim.id)).toEqual({
      id: victim.id,
      object: 'customer',
      deleted: true,
    });
    expect(await stripe.customers.retrieve(victim.id)).toMatchObject({ id: victim.id, deleted: true });
    const deletedEvents = await stripe.events.list({ limit: 10, type: 'customer.*' });
    expect(deletedEvents.data[0]).toMatchObject({ type: 'customer.deleted' });
    expect((await stripe.customers.list({ limit: 100 })).data.some((c) => c.id === victim.id)).toBe(false);
  });

  it('keeps events 30 days and filters them by type and created', async () => {
    const newest = await stripe.events.list({ limit: 100 });
    expect(newest.data.length).toBeGreaterThan(0);
    const cutoff = sim.clock.nowUnix() - 30 * 86_400;
    expect(newest.data.every((e) => e.created >= cutoff)).toBe(true);
    const invoices = await stripe.events.list({ limit: 100, types: ['invoice.paid'] });
    expect(invoices.data.every((e) => e.type === 'invoice.paid')).toBe(true);
    await expect(
      stripe.events.list({ types: Array.from({ length: 21 }, (_, k) => `t${k}`) }),
    ).rejects.toMatchObject({ statusCode: 400 });
    const other = await startStripeSimulator({ dataset });
    try {
      other.clock.advance(31 * 86_400_000);
      const url = new URL(other.url);
      const later = new Stripe(other.apiKey, {
        host: url.hostname,
        port: Number(url.port),
        protocol: 'http',
      });
      expect((await later.events.list({ limit: 100 })).data).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('replays a POST with the same Idempotency-Key instead of applying it twice', async () => {
    const body = 'email=twice%40example.com&name=Twice';
    const post = () =>
      fetch(`${sim.url}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${sim.apiKey}`,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': 'k-1',
        },
        body,
      }).then((r) => r.json() as Promise<{ id: string }>);
    const a = await post();
    const b = await post();
    expect(b.id).toBe(a.id);
    expect(sim.store.customers.filter((c) => c.email === 'twice@example.com')).toHaveLength(1);
  });

  it('delivers new events to a webhook endpoint, signed so the SDK verifies them', async () => {
    const received: { body: string; signature: string }[] = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const address = hook.address() as { port: number };
      sim.addWebhookEndpoint(`http://127.0.0.1:${address.port}/hook`, ['customer.created']);
      await stripe.customers.create({ email: 'hooked@example.com' });
      for (let k = 0; k < 50 && received.length === 0; k++) await new Promise((r) => setTimeout(r, 20));
      expect(received).toHaveLength(1);
      const event = Stripe.webhooks.constructEvent(
        received[0]!.body,
        received[0]!.signature,
        sim.webhookSecret,
      );
      expect(event.type).toBe('customer.created');
      expect(() =>
        Stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, 'whsec_other'),
      ).toThrow();
    } finally {
      await new Promise((resolve) => hook.close(resolve));
    }
  });
});
