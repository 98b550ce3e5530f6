import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_DISPATCH_JOB } from '../../src/outbound-webhooks/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { waitFor } from '../jobs/support.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { Receiver } from './receiver.js';

/** The registered jobs on a running queue: the dispatch turns an outbox event into a sent delivery. */

const receiver = new Receiver();
let t: TestRuntime;

beforeAll(async () => {
  await receiver.start();
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  await t.rt.jobs.start();
});
afterAll(async () => {
  await t.close();
  await receiver.stop();
});

describe('webhooks.dispatch on the job queue', () => {
  it('delivers a new outbox event through webhooks.deliver', async () => {
    const created = await t.request('POST', '/api/v1/webhook-endpoints', {
      key: t.keys.admin,
      body: { url: receiver.url, eventTypes: ['account.grade_changed'] },
    });
    receiver.secrets = [created.json.secret];
    await recordEvent(t.rt.db.kysely, {
      workspaceId: t.workspaceId,
      type: 'account.grade_changed',
      subject: 'acct-9',
      payload: { accountId: 'acct-9', from: 'M50', to: 'M75' },
    });
    await t.rt.jobs.enqueue(WEBHOOK_DISPATCH_JOB, {});
    await waitFor('the receiver to get the event', () => receiver.received.length === 1);
    expect(receiver.received[0]!.body).toMatchObject({
      type: 'account.grade_changed',
      data: { accountId: 'acct-9', from: 'M50', to: 'M75' },
    });
    await waitFor('the delivery to be marked delivered', async () => {
      const res = await t.request('GET', '/api/v1/webhook-deliveries', { key: t.keys.viewer });
      return res.json.items[0]?.status === 'succeeded';
    });
  });
});
