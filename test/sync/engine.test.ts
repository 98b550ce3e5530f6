import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/clock.js';
import {
  allRecords,
  createRun,
  executeRun,
  getRun,
  listRejects,
  readStreamState,
  requestCancel,
  type SyncRun,
  startSync,
} from '../../src/sync/index.js';
import {
  makeTestkit,
  startTestkitSimulator,
  type TestkitSimulator,
} from '../support/testkit-integration/index.js';
import { createSyncTestbed, type SyncTestbed } from '../support/testkit-integration/testbed.js';

/** A clock the test moves forward. */
const movableClock = (start = Date.now()) => {
  let at = start;
  const clock: Clock & { advanceDays(days: number): void } = {
    now: () => new Date(at + (Date.now() - realStart)),
    advanceDays: (days) => {
      at += days * 86_400_000;
    },
  };
  const realStart = Date.now();
  return clock;
};

async function sync(bed: SyncTestbed, opts: { full?: boolean; leaseMs?: number } = {}): Promise<SyncRun> {
  const run = await startSync(bed.deps, bed.workspaceId, 'testkit', {
    trigger: 'manual',
    ...(opts.full ? { full: true } : {}),
  });
  return executeRun(bed.deps, bed.workspaceId, run.id, { leaseMs: opts.leaseMs ?? 5000 });
}

async function stored(bed: SyncTestbed) {
  return allRecords<{ id: string; value: number; name: string }>(bed.deps.db.kysely, bed.workspaceId, {
    integration: 'testkit',
    stream: 'items',
  });
}

async function expectStoredEqualsSource(bed: SyncTestbed, sim: TestkitSimulator) {
  const rows = await stored(bed);
  const source = sim.liveItems();
  expect(rows.map((r) => r.externalId)).toEqual(source.map((i) => i.id));
  expect(rows.map((r) => r.payload)).toEqual(source);
}

describe('sync engine against the testkit simulator', () => {
  let bed: SyncTestbed;
  let sim: TestkitSimulator;
  const clock = movableClock();

  beforeAll(async () => {
    bed = await createSyncTestbed({ integrations: [makeTestkit({ fullRefreshAfterDays: 30 })], clock });
  });
  afterAll(async () => {
    await bed.close();
  });
  afterEach(async () => {
    await sim?.close();
  });

  async function fresh(items = 250, pageSize = 50) {
    sim = await startTestkitSimulator({ items });
    // Each scenario starts from an empty connection.
    await bed.deps.db.kysely.deleteFrom('records').execute();
    await bed.deps.db.kysely.deleteFrom('sync_state').execute();
    await bed.deps.db.kysely.deleteFrom('connections').execute();
    await bed.connect(sim, { pageSize });
  }

  it('first run stores every record; the next run reads only changes and marks source deletions', async () => {
    await fresh();
    const first = await sync(bed);
    expect(first.status).toBe('succeeded');
    expect(first.counts).toMatchObject({ read: 250, written: 250, unchanged: 0, pages: 5 });
    expect(first.streams.items).toMatchObject({ status: 'succeeded', full: true });
    await expectStoredEqualsSource(bed, sim);

    sim.update(3, { name: 'Renamed' });
    sim.update(7, { value: 1 });
    sim.remove(10);
    sim.add(4);
    const second = await sync(bed);
    expect(second.status).toBe('succeeded');
    expect(second.streams.items?.full).toBe(false);
    expect(second.counts).toMatchObject({ read: 6, written: 6, deleted: 1 });
    await expectStoredEqualsSource(bed, sim);
    const deleted = await bed.deps.db.kysely
      .selectFrom('records')
      .select(['external_id', 'deleted_at'])
      .where('deleted_at', 'is not', null)
      .execute();
    expect(deleted.map((d) => d.external_id)).toEqual(['item_00000010']);
  });

  it('counts unchanged payloads without rewriting them, and a full pass marks what it no longer sees deleted', async () => {
    await fresh(120, 40);
    await sync(bed);
    const before = await stored(bed);
    sim.removeSilently(5);
    const full = await sync(bed, { full: true });
    expect(full.counts).toMatchObject({ read: 119, written: 0, unchanged: 119, deleted: 1 });
    const after = await stored(bed);
    expect(after).toHaveLength(119);
    // Unchanged rows keep their change time: downstream readers "since" see nothing new.
    const changedAt = new Map(before.map((r) => [r.externalId, r.changedAt]));
    expect(after.every((r) => r.changedAt === changedAt.get(r.externalId))).toBe(true);
    await expectStoredEqualsSource(bed, sim);
  });

  it('records each invalid record with its reason, keeps the rest, and ends partial', async () => {
    await fresh(100, 30);
    sim.faults.invalidEvery = 25;
    const run = await sync(bed);
    expect(run.status).toBe('partial');
    expect(run.counts).toMatchObject({ read: 100, written: 96, rejected: 4 });
    const rejects = await listRejects(bed.deps.db.kysely, bed.workspaceId, run.id);
    expect(rejects.map((r) => r.externalId ?? r.payloadExcerpt?.slice(0, 20))).toHaveLength(4);
    expect(rejects[0]!.reason).toMatch(/value/);
    expect(rejects[0]!.payloadExcerpt).toContain('item_00000000');
    expect(await stored(bed)).toHaveLength(96);
  });

  it('waits out a 429 in each form (seconds, HTTP date, body sentence, bare) and succeeds', async () => {
    await fresh(60, 20);
    for (const form of ['seconds', 'date', 'body', 'bare'] as const) {
      const before = sim.stats.rateLimited;
      // An HTTP date has whole seconds: ask for 2 so at least one remains.
      sim.faults.rateLimited = { times: 1, form, waitSeconds: form === 'date' ? 2 : 1 };
      const started = Date.now();
      const run = await sync(bed, { full: true });
      expect(run.status, form).toBe('succeeded');
      expect(run.counts.read, form).toBe(60);
      expect(sim.stats.rateLimited - before, form).toBe(1);
      if (form !== 'bare') expect(Date.now() - started, form).toBeGreaterThanOrEqual(900);
    }
  });

  it('a 5xx storm fails the run with a clear error and leaves the cursor at the last good page; the next run resumes', async () => {
    await fresh(200, 50);
    sim.faults.serverErrors = { times: 1_000, after: 3 }; // /v1/me at connect is already done; 3 pages succeed
    const failed = await sync(bed);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/items failed: testkit failed with 503: upstream overloaded/);
    expect(failed.counts.written).toBe(150);
    const state = await readStreamState(bed.deps.db.kysely, {
      workspaceId: bed.workspaceId,
      connectionId: failed.connectionId,
      integration: 'testkit',
      stream: 'items',
    });
    expect(JSON.parse(state!.state_json!)).toMatchObject({ phase: 'list' });
    expect(JSON.parse(state!.state_json!).next).toContain('after=item_00000149');

    sim.faults.serverErrors = undefined;
    const resumed = await sync(bed);
    expect(resumed.status).toBe('succeeded');
    expect(resumed.counts).toMatchObject({ read: 50, written: 50 });
    await expectStoredEqualsSource(bed, sim);
  });

  it('stops with an error when the service repeats a next link, instead of looping', async () => {
    await fresh(300, 50);
    sim.faults.repeatNext = true;
    const run = await sync(bed);
    expect(run.status).toBe('failed');
    expect(run.error?.code).toBe('repeating_cursor');
    expect(sim.stats.byPath['/v1/items']).toBeLessThanOrEqual(3);
  });

  it('records drift between the local count and the service count as a warning', async () => {
    await fresh(60, 30);
    await sync(bed);
    sim.removeSilently(1); // the change feed never says so: only the count can tell
    const run = await sync(bed);
    expect(run.status).toBe('succeeded');
    expect(run.warnings).toEqual([
      expect.objectContaining({ stream: 'items', kind: 'reconciliation_drift', local: 60, upstream: 59 }),
    ]);
  });

  it('starts a full refresh when the cursor is older than the source keeps changes', async () => {
    await fresh(40, 20);
    await sync(bed);
    clock.advanceDays(31);
    const run = await sync(bed);
    expect(run.streams.items?.full).toBe(true);
    expect(run.counts).toMatchObject({ read: 40, unchanged: 40 });
  });

  it('cancels a running run after its current page; the next run resumes', async () => {
    await fresh(400, 20);
    sim.faults.latencyMs = 30;
    const run = await startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'manual' });
    const running = executeRun(bed.deps, bed.workspaceId, run.id, { leaseMs: 2000, heartbeatMs: 50 });
    await new Promise((r) => setTimeout(r, 250));
    await requestCancel(bed.deps.db.kysely, bed.workspaceId, run.id, { now: new Date(), leaseMs: 2000 });
    const canceled = await running;
    expect(canceled.status).toBe('canceled');
    expect(canceled.counts.written).toBeGreaterThan(0);
    expect(canceled.counts.written).toBeLessThan(400);
    sim.faults.latencyMs = 0;
    const next = await sync(bed);
    expect(next.status).toBe('succeeded');
    expect(canceled.counts.written + next.counts.written).toBe(400);
    await expectStoredEqualsSource(bed, sim);
  });

  it('allows one active run per connection, even for triggers from two database handles at once', async () => {
    await fresh(10, 10);
    const { openDatabase } = await import('../../src/db/index.js');
    const other =
      bed.testDb.dialect === 'sqlite'
        ? openDatabase({ dialect: 'sqlite', file: bed.testDb.db.describe })
        : openDatabase({
            dialect: 'postgres',
            url: process.env.DATABASE_URL!,
            schema: bed.testDb.schema!,
          });
    try {
      const otherDeps = { ...bed.deps, db: other };
      const results = await Promise.allSettled([
        startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'api' }),
        startSync(otherDeps, bed.workspaceId, 'testkit', { trigger: 'api' }),
        startSync(otherDeps, bed.workspaceId, 'testkit', { trigger: 'api' }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(ok).toHaveLength(1);
      expect(refused.map((r) => [r.reason.status, r.reason.code])).toEqual([
        [409, 'sync_running'],
        [409, 'sync_running'],
      ]);
      const runId = (ok[0] as PromiseFulfilledResult<SyncRun>).value.id;
      // The losers cannot execute it either: a claimed run belongs to one process.
      const [a, b] = await Promise.all([
        executeRun(bed.deps, bed.workspaceId, runId, { leaseMs: 5000 }),
        executeRun(otherDeps, bed.workspaceId, runId, { leaseMs: 5000 }),
      ]);
      expect([a.status, b.status].filter((s) => s === 'succeeded')).toHaveLength(1);
      expect((await getRun(bed.deps.db.kysely, bed.workspaceId, runId)).counts.written).toBe(10);
    } finally {
      await other.close();
    }
  });

  it('expires a run whose process stopped heartbeating, so a new trigger is not blocked forever', async () => {
    await fresh(10, 10);
    const run = await startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'api' });
    await expect(startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'api' })).rejects.toMatchObject({
      status: 409,
    });
    const later = await createRun(
      bed.deps.db.kysely,
      bed.workspaceId,
      { connectionId: run.connectionId, integration: 'testkit', trigger: 'api' },
      { now: new Date(bed.deps.clock.now().getTime() + 120_000), leaseMs: 60_000 },
    );
    expect(later.status).toBe('queued');
    const old = await getRun(bed.deps.db.kysely, bed.workspaceId, run.id);
    expect(old).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
  });
});
