import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { deliveriesFromOutbox, sweepDueDeliveries } from '../../src/outbound-webhooks/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { NEEDS_POSTGRES, waitFor } from '../jobs/support.js';
import { createTestRuntime, postgresUrl, type TestRuntime } from '../support/index.js';
import { Receiver } from './receiver.js';

/**
 * Three workers' runtimes sharing one Postgres database and pg-boss queue all run the dispatch at
 * once over the same outbox: every event reaches the receiver exactly once. (SQLite is one process;
 * racing attempts within it are covered in delivery.test.ts.)
 */

const silent = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });
const receiver = new Receiver();
let t: TestRuntime;
const workers: Runtime[] = [];

beforeAll(async () => {
  if (!postgresUrl()) return;
  await receiver.start();
  receiver.delayMs = 20;
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  const schema =
    t.rt.db.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(t.rt.db.kysely)).rows[0]!.s
      : undefined;
  for (let i = 0; i < 3; i++) {
    const rt = await createRuntime(t.config, {
      logger: silent,
      migrate: false,
      ...(schema ? { schema } : {}),
      jobs: { leaseSeconds: 5, pollSeconds: 0.5, maintenanceSeconds: 1 },
    });
    await rt.jobs.start();
    workers.push(rt);
  }
}, 120_000);
afterAll(async () => {
  for (const w of workers) await w.close();
  await t?.close();
  await receiver.stop();
});

describe.skipIf(!postgresUrl())(`several workers ${NEEDS_POSTGRES}`, () => {
  it('deliver every event once', { timeout: 120_000 }, async () => {
    const created = await t.request('POST', '/api/v1/webhook-endpoints', {
      key: t.keys.admin,
      body: { url: receiver.url, eventTypes: ['signal.opened'] },
    });
    receiver.secrets = [created.json.secret];
    const events = 30;
    for (let i = 0; i < events; i++) {
      await recordEvent(t.rt.db.kysely, {
        workspaceId: t.workspaceId,
        type: 'signal.opened',
        subject: `occ-${i}`,
        payload: { accountId: `acct-${i}` },
      });
    }
    // Every worker's minute tick fires at once, twice.
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        workers.map(async (w) => [await deliveriesFromOutbox(w), await sweepDueDeliveries(w)]),
      );
    }
    await waitFor(
      'every delivery to succeed',
      async () => {
        const res = await t.request('GET', '/api/v1/webhook-deliveries?status=succeeded&limit=200', {
          key: t.keys.viewer,
        });
        return res.json.items.length === events;
      },
      60_000,
    );
    const ids = receiver.received.map((r) => r.id);
    expect(ids).toHaveLength(events);
    expect(new Set(ids).size).toBe(events);
    expect(new Set(receiver.received.map((r) => JSON.stringify(r.body.data))).size).toBe(events);
  });
});
