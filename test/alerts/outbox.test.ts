import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { consumeOutbox, drainOutbox, listOutboxEvents, recordEvent } from '../../src/outbox/index.js';
import { runScore } from '../../src/scoring/index.js';
import { RecordWriter } from '../accounts/records.js';
import { createTestDb, type TestDb } from '../support/index.js';

/**
 * The outbox hears of every occurrence a score run opens or closes, in the run's own transaction
 * (in one chunk and in many, where SQLite writes on a background thread), and each consumer reads
 * each event once, even with several workers taking batches at the same time.
 */

const NOW = new Date('2025-06-15T12:00:00.000Z');
const DAY_MS = 86_400_000;
const day = (ago: number) => new Date(NOW.getTime() - ago * DAY_MS).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * DAY_MS).toISOString();

async function world(t: TestDb, ws: string) {
  const w = new RecordWriter(t.db.kysely, ws, at(0));
  await w.groupType(0, 'company');
  await w.price('price_pro', 'pro', 4000, 'month');
  for (let i = 0; i < 8; i++) {
    const domain = `co${i}.io`;
    await w.group(domain, `Company ${i}`, at(300));
    await w.person(`${domain}_0`, { email: `p0@${domain}`, title: 'Engineer' }, at(200));
    await w.customer(`cus_${i}`, `billing@${domain}`, `Company ${i}`, at(250), domain);
    await w.subscription(`sub_${i}`, `cus_${i}`, 'price_pro', 5, at(250), {
      cancel_at_period_end: i % 2 === 0,
      current_period_end: Math.floor(Date.parse(at(-9)) / 1000),
    });
    for (let d = 8; d < 60; d++) await w.usage(domain, day(d), 'feature_used', 30);
    for (let d = 1; d < 8; d++) await w.usage(domain, day(d), 'feature_used', i % 2 === 0 ? 3 : 90);
  }
}

let t: TestDb;
const db = () => t.db.kysely;

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  await world(t, 'ws_one_chunk');
  await world(t, 'ws_many_chunks');
});
afterAll(() => t.close());

async function openLive(ws: string) {
  return db()
    .selectFrom('signal_occurrences')
    .select(['id', 'account_id', 'signal_key'])
    .where('workspace_id', '=', ws)
    .where('open', '=', 1)
    .where('origin', '=', 'live')
    .execute();
}

describe('occurrence events', () => {
  for (const [ws, chunkSize] of [
    ['ws_one_chunk', 1000],
    ['ws_many_chunks', 3],
  ] as const) {
    it(`a run records signal.opened for each occurrence it opens (${ws})`, async () => {
      const run = await runScore(db(), ws, { clock: fixedClock(NOW), trigger: 'test', chunkSize });
      expect(run.status).toBe('succeeded');
      const open = await openLive(ws);
      expect(open.length).toBeGreaterThan(0);
      const events = await listOutboxEvents(db(), ws, { types: ['signal.opened'], limit: 1000 });
      expect(events.map((e) => e.subject).sort()).toEqual(open.map((o) => String(o.id)).sort());
      const sample = events[0]!;
      const match = open.find((o) => String(o.id) === sample.subject)!;
      expect(sample.payload).toMatchObject({
        occurrenceId: match.id,
        accountId: match.account_id,
        signalKey: match.signal_key,
        reopened: false,
      });
      expect(typeof sample.payload.explanation).toBe('string');
    });

    it(`an occurrence that stays open is not announced again (${ws})`, async () => {
      const before = (await listOutboxEvents(db(), ws, { types: ['signal.opened'], limit: 1000 })).length;
      const later = new Date(NOW.getTime() + 60 * 60 * 1000);
      await runScore(db(), ws, { clock: fixedClock(later), trigger: 'test', chunkSize });
      const after = await listOutboxEvents(db(), ws, { types: ['signal.opened'], limit: 1000 });
      // New openings may appear (a later clock), but none for an occurrence announced before.
      expect(after.length).toBeGreaterThanOrEqual(before);
      const subjects = after.map((e) => e.subject);
      expect(new Set(subjects).size).toBe(subjects.length);
    });
  }
});

describe('grade changes', () => {
  it("a run that moves an account's grade records account.grade_changed with both grades", async () => {
    const ws = 'ws_one_chunk';
    const [row] = await db()
      .selectFrom('account_scores')
      .select(['account_id', 'grade'])
      .where('workspace_id', '=', ws)
      .where('grade', '<>', 'M10')
      .limit(1)
      .execute();
    expect(row).toBeDefined();
    // The stored grade says M10: the next run computes the real one, a change from M10.
    await db()
      .updateTable('account_scores')
      .set({ grade: 'M10', row_hash: 'stale' })
      .where('workspace_id', '=', ws)
      .where('account_id', '=', row!.account_id)
      .execute();
    await runScore(db(), ws, {
      clock: fixedClock(new Date(NOW.getTime() + 2 * 3_600_000)),
      trigger: 'test',
      mode: 'full',
    });
    const events = await listOutboxEvents(db(), ws, { types: ['account.grade_changed'] });
    expect(events).toEqual([
      expect.objectContaining({
        subject: row!.account_id,
        payload: expect.objectContaining({ accountId: row!.account_id, from: 'M10', to: row!.grade }),
      }),
    ]);
  });
});

describe('consumers', () => {
  it('several workers of one consumer take every event exactly once; another consumer reads them all too', async () => {
    for (let i = 0; i < 40; i++) {
      await recordEvent(db(), {
        workspaceId: 'ws_consumers',
        type: 'sync.failed',
        subject: `run_${i}`,
        payload: { i },
      });
    }
    const seen: string[] = [];
    const worker = () =>
      drainOutbox(
        db(),
        'test-consumer',
        async (events) => {
          for (const e of events) if (e.workspaceId === 'ws_consumers') seen.push(e.subject);
        },
        { limit: 7 },
      );
    await Promise.all([worker(), worker(), worker()]);
    expect(seen.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `run_${i}`).sort());

    const other: string[] = [];
    await drainOutbox(db(), 'other-consumer', async (events) => {
      for (const e of events) if (e.workspaceId === 'ws_consumers') other.push(e.subject);
    });
    expect(other).toHaveLength(40);
  });

  it('a handler that fails leaves the cursor where it was: the batch is read again', async () => {
    await recordEvent(db(), { workspaceId: 'ws_fail', type: 'sync.failed', subject: 'x', payload: {} });
    await drainOutbox(db(), 'fail-consumer', async () => {}, {});
    await recordEvent(db(), { workspaceId: 'ws_fail', type: 'sync.failed', subject: 'y', payload: {} });
    await expect(
      consumeOutbox(db(), 'fail-consumer', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const got: string[] = [];
    await consumeOutbox(db(), 'fail-consumer', async (events) => {
      for (const e of events) got.push(e.subject);
    });
    expect(got).toEqual(['y']);
  });
});
