import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import {
  attemptDelivery,
  DELIVERY_RETENTION_MS,
  DISABLE_AFTER_FAILING_MS,
  deliverDue,
  deliveriesFromOutbox,
  MAX_ATTEMPTS,
  pruneDeliveries,
  RETRY_DELAYS_MS,
} from '../../src/outbound-webhooks/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { ManualClock, Receiver } from './receiver.js';

/**
 * Delivery over real HTTP to a receiver that verifies every signature with `standardwebhooks`:
 * the retry schedule (on a hand-moved clock), exactly one delivery when the receiver comes back,
 * one send however many workers race, disabling after 5 days of failure, redelivery, rotation,
 * and the secret nowhere but in the creation answer.
 */

const clock = new ManualClock(Date.parse('2026-12-07T12:00:00.000Z'));
const logLines: string[] = [];
let t: TestRuntime;
const receiver = new Receiver();

beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await createTestRuntime({
    clock,
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' },
    logger: createLogger({ level: 'debug', destination }),
  });
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await t.close();
});

async function addEndpoint(eventTypes: string[], url = receiver.url) {
  const res = await t.request('POST', '/api/v1/webhook-endpoints', {
    key: t.keys.admin,
    body: { url, description: 'CRM sequences', eventTypes },
  });
  expect(res.status).toBe(201);
  return res.json as { endpoint: { id: string; secretHint: string }; secret: string };
}

async function emit(type: 'signal.opened' | 'push.completed' | 'sync.failed', subject: string) {
  await recordEvent(
    t.rt.db.kysely,
    {
      workspaceId: t.workspaceId,
      type,
      subject,
      payload: { accountId: subject, signalKey: 'usage_spike' },
    },
    clock.now(),
  );
  return deliveriesFromOutbox(t.rt);
}

const deliveriesOf = async (endpointId: string) =>
  (await t.request('GET', `/api/v1/webhook-deliveries?endpointId=${endpointId}`, { key: t.keys.viewer })).json
    .items;

describe('outbound webhooks over HTTP', () => {
  it('retries on schedule while the receiver is down and delivers once when it returns', async () => {
    const { endpoint, secret } = await addEndpoint(['signal.opened']);
    receiver.secrets = [secret];
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(endpoint.secretHint).toBe(`whsec_…${secret.slice(-4)}`);

    await receiver.stop();
    expect(await emit('signal.opened', 'acct-1')).toBe(1);
    // Consumed once: reading the outbox again creates nothing.
    expect(await deliveriesFromOutbox(t.rt)).toBe(0);

    const start = clock.now().getTime();
    expect(await deliverDue(t.rt)).toBe(1); // attempt 1: connection refused
    let [delivery] = await deliveriesOf(endpoint.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(Date.parse(delivery.nextAttemptAt)).toBe(start + RETRY_DELAYS_MS[0]!);
    expect(delivery.lastError).toContain('Connection refused');

    clock.advance(RETRY_DELAYS_MS[0]! - 1_000);
    expect(await deliverDue(t.rt)).toBe(0); // not due yet
    clock.set(delivery.nextAttemptAt);
    expect(await deliverDue(t.rt)).toBe(1); // attempt 2 fails: next in 5 minutes
    [delivery] = await deliveriesOf(endpoint.id);
    expect(Date.parse(delivery.nextAttemptAt) - clock.now().getTime()).toBe(RETRY_DELAYS_MS[1]);
    clock.set(delivery.nextAttemptAt);
    expect(await deliverDue(t.rt)).toBe(1); // attempt 3 fails: next in 30 minutes
    [delivery] = await deliveriesOf(endpoint.id);
    expect(Date.parse(delivery.nextAttemptAt) - clock.now().getTime()).toBe(RETRY_DELAYS_MS[2]);

    await receiver.start(); // back on the same port
    clock.set(delivery.nextAttemptAt);
    // Several workers reach for the due delivery at once: one claims it, one request is sent.
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        attemptDelivery(t.rt, { workspaceId: t.workspaceId, deliveryId: delivery.id, trigger: 'auto' }),
      ),
    );
    expect(outcomes.filter((o) => o !== null)).toHaveLength(1);
    expect(await deliverDue(t.rt)).toBe(0);
    clock.advance(24 * 3_600_000);
    expect(await deliverDue(t.rt)).toBe(0);

    const got = receiver.received.filter((r) => r.body.type === 'signal.opened');
    expect(got).toHaveLength(1);
    expect(got[0]!.verifiedWith).toEqual([secret]);
    expect(got[0]!.body.data).toMatchObject({ accountId: 'acct-1' });

    const detail = (
      await t.request('GET', `/api/v1/webhook-deliveries/${delivery.id}`, { key: t.keys.viewer })
    ).json;
    expect(detail.status).toBe('succeeded');
    expect(detail.messageId).toBe(got[0]!.id);
    expect(detail.attemptLog.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([
      null,
      null,
      null,
      200,
    ]);
    const gaps = detail.attemptLog
      .slice(0, 3)
      .map(
        (a: { startedAt: string; nextAttemptAt: string }) =>
          Date.parse(a.nextAttemptAt) - Date.parse(a.startedAt),
      );
    expect(gaps).toEqual(RETRY_DELAYS_MS.slice(0, 3));
    expect(detail.attemptLog[3].nextAttemptAt).toBeNull();
    expect(detail.attemptLog[3].responseBody.length).toBeLessThanOrEqual(1_025); // truncated to 1 KB
  });

  it('gives up after the schedule (over 24 hours), then disables an endpoint failing for 5 days, with a notice', async () => {
    receiver.answer = 500;
    const { endpoint, secret } = await addEndpoint(['sync.failed']);
    receiver.secrets = [secret];
    const before = receiver.requests;
    const t0 = clock.now().getTime();
    await emit('sync.failed', 'run-1');
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      expect(await deliverDue(t.rt)).toBe(1);
      const [d] = await deliveriesOf(endpoint.id);
      if (d.nextAttemptAt) clock.set(d.nextAttemptAt);
    }
    let [first] = await deliveriesOf(endpoint.id);
    expect(first).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      lastStatusCode: 500,
      nextAttemptAt: null,
    });
    expect(clock.now().getTime() - t0).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(receiver.requests - before).toBe(MAX_ATTEMPTS);
    let ep = (await t.request('GET', `/api/v1/webhook-endpoints/${endpoint.id}`, { key: t.keys.viewer }))
      .json;
    expect(ep).toMatchObject({ enabled: true, disabledReason: null });
    expect(Date.parse(ep.failingSince)).toBe(t0);

    // Four days later another event fails too: the endpoint stays enabled until its failures span 5 days.
    clock.set(t0 + 4 * 24 * 3_600_000);
    await emit('sync.failed', 'run-2');
    for (;;) {
      expect(await deliverDue(t.rt)).toBe(1);
      ep = (await t.request('GET', `/api/v1/webhook-endpoints/${endpoint.id}`, { key: t.keys.viewer })).json;
      if (!ep.enabled) break;
      expect(clock.now().getTime() - t0).toBeLessThan(DISABLE_AFTER_FAILING_MS);
      const [d] = await deliveriesOf(endpoint.id);
      expect(d.status).toBe('pending');
      clock.set(d.nextAttemptAt);
    }
    expect(clock.now().getTime() - t0).toBeGreaterThanOrEqual(DISABLE_AFTER_FAILING_MS);
    const [second] = await deliveriesOf(endpoint.id);
    expect(second).toMatchObject({ status: 'failed', nextAttemptAt: null });
    ep = (await t.request('GET', `/api/v1/webhook-endpoints/${endpoint.id}`, { key: t.keys.viewer })).json;
    expect(ep.enabled).toBe(false);
    expect(ep.disabledReason).toContain('Beton disabled this endpoint');
    expect(ep.disabledReason).toContain('HTTP 500');
    expect(ep.disabledReason).toContain('enable the endpoint');

    // A disabled endpoint gets no new deliveries, and redelivery says to enable it first.
    expect(await emit('sync.failed', 'run-3')).toBe(0);
    [first] = await deliveriesOf(endpoint.id);
    const refused = await t.request('POST', `/api/v1/webhook-deliveries/${first.id}/redeliver`, {
      key: t.keys.admin,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('endpoint_disabled');

    // Fixed and enabled again: the notice goes, a redelivery goes through, once.
    receiver.answer = 200;
    const enabled = await t.request('PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, {
      key: t.keys.admin,
      body: { enabled: true },
    });
    expect(enabled.json).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    const again = await t.request('POST', `/api/v1/webhook-deliveries/${first.id}/redeliver`, {
      key: t.keys.admin,
    });
    expect(again.status).toBe(202);
    expect(await deliverDue(t.rt)).toBe(1);
    const detail = (await t.request('GET', `/api/v1/webhook-deliveries/${first.id}`, { key: t.keys.viewer }))
      .json;
    expect(detail.status).toBe('succeeded');
    expect(detail.attemptLog.at(-1)).toMatchObject({ statusCode: 200 });
    expect(receiver.received.filter((r) => r.id === detail.messageId)).toHaveLength(1);
  });

  it('sends a test event on demand, and a rotated secret signs beside the old one for a day', async () => {
    receiver.answer = 200;
    const { endpoint, secret } = await addEndpoint(['push.completed']);
    const queued = await t.request('POST', `/api/v1/webhook-endpoints/${endpoint.id}/test`, {
      key: t.keys.admin,
    });
    expect(queued.status).toBe(202);
    expect(queued.json).toMatchObject({ eventType: 'webhook.test', status: 'pending' });
    receiver.secrets = [secret];
    expect(await deliverDue(t.rt)).toBe(1);
    expect(receiver.received.at(-1)!.body.type).toBe('webhook.test');

    const rotated = await t.request('POST', `/api/v1/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      key: t.keys.admin,
      body: {},
    });
    expect(rotated.status).toBe(200);
    const fresh = rotated.json.secret as string;
    expect(fresh).not.toBe(secret);
    receiver.secrets = [fresh, secret];
    await emit('push.completed', 'push-1');
    expect(await deliverDue(t.rt)).toBe(1);
    const last = receiver.received.at(-1)!;
    expect(last.body.type).toBe('push.completed');
    expect(last.verifiedWith).toEqual([fresh, secret]);
    expect(last.signature.split(' ')).toHaveLength(2);

    // After the grace, only the new secret signs.
    clock.advance(25 * 3_600_000);
    await emit('push.completed', 'push-2');
    expect(await deliverDue(t.rt)).toBe(1);
    expect(receiver.received.at(-1)!.verifiedWith).toEqual([fresh]);

    // The secrets appear in no answer after creation and in no log line.
    const reads = [
      await t.request('GET', '/api/v1/webhook-endpoints', { key: t.keys.owner }),
      await t.request('GET', `/api/v1/webhook-endpoints/${endpoint.id}`, { key: t.keys.owner }),
      await t.request('GET', '/api/v1/webhook-deliveries', { key: t.keys.owner }),
      await t.request('GET', `/api/v1/webhook-deliveries/${queued.json.id}`, { key: t.keys.owner }),
      await t.request('GET', '/api/v1/audit-log', { key: t.keys.owner }),
    ];
    for (const res of reads) {
      expect(res.status).toBe(200);
      for (const s of [secret, fresh]) {
        expect(res.text).not.toContain(s);
        expect(res.text).not.toContain(s.slice(6, 30));
      }
    }
    expect(logLines.length).toBeGreaterThan(0);
    for (const s of [secret, fresh]) expect(logLines.join('\n')).not.toContain(s.slice(6, 30));
  });
  it('a new endpoint does not receive events from before it was added', async () => {
    await recordEvent(
      t.rt.db.kysely,
      {
        workspaceId: t.workspaceId,
        type: 'signal.opened',
        subject: 'before',
        payload: { accountId: 'before' },
      },
      clock.now(),
    );
    clock.advance(1_000);
    const { endpoint } = await addEndpoint(['signal.opened']);
    await deliveriesFromOutbox(t.rt); // the endpoints that existed get it
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
    expect(await emit('signal.opened', 'after')).toBeGreaterThanOrEqual(1);
    expect((await deliveriesOf(endpoint.id)).map((d: { eventType: string }) => d.eventType)).toEqual([
      'signal.opened',
    ]);
  });
  it('keeps finished deliveries and their log for 30 days, pending ones until they finish', async () => {
    const all = async () =>
      (await t.request('GET', '/api/v1/webhook-deliveries?limit=200', { key: t.keys.viewer })).json.items as {
        status: string;
      }[];
    const before = await all();
    const pending = before.filter((d) => d.status === 'pending').length;
    expect(before.length).toBeGreaterThan(pending);
    expect(await pruneDeliveries(t.rt.db.kysely, clock.now())).toBe(0);
    clock.advance(DELIVERY_RETENTION_MS + 60_000);
    expect(await pruneDeliveries(t.rt.db.kysely, clock.now())).toBe(before.length - pending);
    expect((await all()).map((d) => d.status)).toEqual(Array(pending).fill('pending'));
    const attempts = await t.rt.db.kysely.selectFrom('webhook_attempts').select('delivery_id').execute();
    expect(attempts.length).toBe(0);
  });
});
