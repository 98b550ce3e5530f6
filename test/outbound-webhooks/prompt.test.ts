import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { openDatabase } from '../../src/db/index.js';
import { dispatchOnOutboxCommit } from '../../src/outbound-webhooks/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { runScore } from '../../src/scoring/index.js';
import { NOW, seedSignalWorld } from '../alerts/support/world.js';
import { waitFor } from '../jobs/support.js';
import { createTestRuntime, postgresUrl, type TestRuntime } from '../support/index.js';
import { Receiver } from './receiver.js';

/**
 * Events reach their endpoints as the transaction that wrote them commits, not at the next minute's
 * sweep: the minute schedule is not even started here, so only the commit signal can dispatch. On
 * the in-process runner (SQLite) and on pg-boss (Postgres), through a local receiver verifying
 * with `standardwebhooks`.
 */

/** Far below the one-minute sweep; generous for a loaded machine. */
const PROMPT_MS = 5_000;
const receiver = new Receiver();
let t: TestRuntime;
let stopListening: () => Promise<void>;

beforeAll(async () => {
  await receiver.start();
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  await t.rt.jobs.start();
  stopListening = await dispatchOnOutboxCommit(t.rt);
  const created = await t.request('POST', '/api/v1/webhook-endpoints', {
    key: t.keys.admin,
    body: { url: receiver.url, eventTypes: ['account.grade_changed', 'signal.opened'] },
  });
  expect(created.status).toBe(201);
  receiver.secrets = [created.json.secret];
});
afterAll(async () => {
  await stopListening?.();
  await t?.close();
  await receiver.stop();
});

/** Wait for `n` received events of a type; how long it took from `since`. */
async function received(type: string, n: number, since: number) {
  await waitFor(`${n} ${type} events at the receiver`, () => of(type).length >= n, PROMPT_MS * 4);
  return Date.now() - since;
}
const of = (type: string) => receiver.received.filter((r) => r.body.type === type);

describe('an outbox event triggers its dispatch when it commits', () => {
  it(`a committed event reaches a standardwebhooks receiver within ${PROMPT_MS / 1000} s`, async () => {
    const since = Date.now();
    await recordEvent(t.rt.db.kysely, {
      workspaceId: t.workspaceId,
      type: 'account.grade_changed',
      subject: 'acct-1',
      payload: { accountId: 'acct-1', from: 'M50', to: 'M75' },
    });
    const ms = await received('account.grade_changed', 1, since);
    console.log(`webhook prompt: one event delivered ${ms} ms after its commit (${t.rt.jobs.kind})`);
    expect(ms).toBeLessThan(PROMPT_MS);
    expect(of('account.grade_changed')[0]!.body.data).toEqual({
      accountId: 'acct-1',
      from: 'M50',
      to: 'M75',
    });
  });

  it('a burst of commits is dispatched promptly, each event delivered once', async () => {
    const before = of('account.grade_changed').length;
    const since = Date.now();
    for (let i = 0; i < 5; i++) {
      await recordEvent(t.rt.db.kysely, {
        workspaceId: t.workspaceId,
        type: 'account.grade_changed',
        subject: `acct-burst-${i}`,
        payload: { accountId: `acct-burst-${i}`, from: 'M25', to: 'M50' },
      });
    }
    const ms = await received('account.grade_changed', before + 5, since);
    expect(ms).toBeLessThan(PROMPT_MS);
    const ids = of('account.grade_changed').map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('events a score run opens are delivered as its chunk commits', async () => {
    await seedSignalWorld(t.rt.db.kysely, t.workspaceId, 4, 'prompt');
    // The run is dated in the seeded world's past; an endpoint hears only events after its creation.
    await t.rt.db.kysely
      .updateTable('webhook_endpoints')
      .set({ created_at: new Date(NOW.getTime() - 86_400_000).toISOString() })
      .where('workspace_id', '=', t.workspaceId)
      .execute();
    const run = await runScore(t.rt.db.kysely, t.workspaceId, { clock: fixedClock(NOW), trigger: 'test' });
    expect(run.status).toBe('succeeded');
    // Its chunks committed before it returned: count from there.
    const since = Date.now();
    const opened = await t.rt.db.kysely
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', t.workspaceId)
      .where('type', '=', 'signal.opened')
      .executeTakeFirstOrThrow();
    expect(Number(opened.n)).toBeGreaterThan(0);
    const ms = await received('signal.opened', Number(opened.n), since);
    console.log(
      `webhook prompt: ${opened.n} signal.opened events delivered within ${ms} ms of the score run's end`,
    );
    expect(ms).toBeLessThan(PROMPT_MS);
  });

  it.skipIf(!postgresUrl())(
    'Postgres: a commit made by another process (its own pool) is heard too',
    async () => {
      const { schema } = (
        await sql<{ schema: string }>`select current_schema() as schema`.execute(t.rt.db.kysely)
      ).rows[0]!;
      const other = openDatabase({ dialect: 'postgres', url: postgresUrl()!, schema, poolSize: 1 });
      try {
        const since = Date.now();
        await recordEvent(other.kysely, {
          workspaceId: t.workspaceId,
          type: 'account.grade_changed',
          subject: 'acct-elsewhere',
          payload: { accountId: 'acct-elsewhere', from: 'M10', to: 'M25' },
        });
        await waitFor(
          'the event from the other pool',
          () =>
            of('account.grade_changed').some(
              (r) => (r.body.data as { accountId: string }).accountId === 'acct-elsewhere',
            ),
          PROMPT_MS * 4,
        );
        expect(Date.now() - since).toBeLessThan(PROMPT_MS);
      } finally {
        await other.close();
      }
    },
  );
});
