import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putConnection } from '../../src/connections/index.js';
import { createLogger } from '../../src/core/logger.js';
import { enqueueSync, PgBossJobRunner, pgBossSchema, registerSyncJobs } from '../../src/jobs/index.js';
import { allRecords, listRuns, type SyncRun } from '../../src/sync/index.js';
import { postgresUrl } from '../support/index.js';
import { startTestkitSimulator, type TestkitSimulator } from '../support/testkit-integration/index.js';
import { createSyncTestbed, type SyncTestbed } from '../support/testkit-integration/testbed.js';
import { NEEDS_POSTGRES, spawnWorker, sqlOnce, type WorkerProcess, waitFor } from './support.js';

const CONNECTIONS = 30;
const ITEMS = 300;
const LEASE_SECONDS = 3;
const TICK_SECONDS = 2;

/**
 * Three `beton worker` processes on one Postgres share thirty connections' syncs: one is killed
 * with SIGKILL mid-run, another stopped with SIGTERM mid-run, and still every run completes once,
 * with the stored records equal to the sources.
 */
describe.skipIf(!postgresUrl())(`scale-out on Postgres ${NEEDS_POSTGRES}`, { timeout: 150_000 }, () => {
  let bed: SyncTestbed;
  const sims: TestkitSimulator[] = [];
  const workers: WorkerProcess[] = [];
  const workspaces = Array.from({ length: CONNECTIONS }, (_, i) => `ws_scale_${i}`);
  let producer: PgBossJobRunner;

  beforeAll(async () => {
    bed = await createSyncTestbed();
    for (let i = 0; i < CONNECTIONS; i++) {
      const sim = await startTestkitSimulator({
        items: ITEMS - i * 5,
        apiKey: `tk_live_scale_${String(i).padStart(4, '0')}`,
      });
      // Slow enough pages that runs stay mid-way for a while, even when a busy machine polls late.
      sim.faults.latencyMs = 40;
      sims.push(sim);
    }
    await Promise.all(
      workspaces.map((workspaceId, i) =>
        putConnection(bed.deps, { workspaceId, audit: { actorType: 'cli', actorId: null } }, 'testkit', {
          credentials: { apiKey: sims[i]!.apiKey },
          settings: { baseUrl: sims[i]!.url, pageSize: 20 },
        }),
      ),
    );
    await sqlOnce(
      `create table ${bed.testDb.schema}.tick_fires (job_id text, pid int, at timestamptz default now())`,
    );
    // What the API process does under `serve --no-worker`: queue the runs, run nothing.
    producer = new PgBossJobRunner({
      connectionString: postgresUrl()!,
      schema: pgBossSchema(bed.testDb.schema),
      logger: createLogger({ level: 'silent' }),
      leaseSeconds: LEASE_SECONDS,
    });
    registerSyncJobs(producer, bed.deps, { intervalMinutes: 60, leaseMs: LEASE_SECONDS * 1000 });
  });

  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await producer?.stop({ graceMs: 1_000 });
    await Promise.all(sims.map((s) => s.close()));
    await bed?.close();
  });

  const runs = async (): Promise<SyncRun[]> =>
    (await Promise.all(workspaces.map((ws) => listRuns(bed.deps.db.kysely, ws)))).flat();

  it('a killed worker and a stopped worker lose nothing: every run completes once; records equal the sources; a schedule fires once per period', async () => {
    for (const ws of workspaces) {
      await enqueueSync(bed.deps, producer, ws, 'testkit', { trigger: 'api', leaseMs: LEASE_SECONDS * 1000 });
    }
    const orders = {
      databaseUrl: postgresUrl()!,
      schema: bed.testDb.schema!,
      keyringSpec: bed.keyringSpec,
      leaseSeconds: LEASE_SECONDS,
      syncConcurrency: 2,
      tickSeconds: TICK_SECONDS,
    };
    workers.push(...(await Promise.all([spawnWorker(orders), spawnWorker(orders), spawnWorker(orders)])));

    // SIGKILL one worker while every worker is mid-run: five runs mid-way on three workers of two
    // slots each means every worker holds at least one.
    await waitFor(
      'five runs mid-way',
      async () => (await runs()).filter((r) => r.status === 'running' && r.counts.pages >= 2).length >= 5,
      30_000,
    );
    workers[0]!.child.kill('SIGKILL');
    expect((await workers[0]!.exited).signal).toBe('SIGKILL');
    // A replacement starts while the others carry on (a process manager would do the same).
    const replacement = spawnWorker(orders);

    // SIGTERM another: it finishes its current pages, hands its runs back and exits 0 at once.
    await waitFor(
      'runs mid-way again',
      async () => (await runs()).filter((r) => r.status === 'running' && r.counts.pages >= 2).length >= 3,
    );
    const terminating = Date.now();
    workers[1]!.child.kill('SIGTERM');
    expect(await workers[1]!.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - terminating).toBeLessThan(10_000);
    workers.push(await replacement);

    await waitFor(
      'every run to end',
      async () => (await runs()).every((r) => r.status !== 'queued' && r.status !== 'running'),
      90_000,
    );

    const all = await runs();
    expect(all).toHaveLength(CONNECTIONS);
    for (const [i, ws] of workspaces.entries()) {
      const [run] = all.filter((r) => r.workspaceId === ws);
      const source = sims[i]!.liveItems();
      expect(run, ws).toMatchObject({ status: 'succeeded', error: null });
      // Counts are committed with each page: a page read twice (after a takeover) would show here.
      expect(run!.counts, ws).toMatchObject({ read: source.length, written: source.length, unchanged: 0 });
      const stored = await allRecords(bed.deps.db.kysely, ws, { integration: 'testkit', stream: 'items' });
      expect(stored.map((r) => r.payload)).toEqual(source);
    }

    // The killed worker's jobs were delivered again (pg-boss counts the expired attempt).
    const [redelivered] = await sqlOnce<{ n: number }>(
      `select count(*) as n from ${pgBossSchema(bed.testDb.schema)}.job where name = 'sync.run' and retry_count > 0`,
    );
    expect(redelivered!.n).toBeGreaterThanOrEqual(1);
    const [jobs] = await sqlOnce<{ n: number; completed: number }>(
      `select count(*) as n, count(*) filter (where state = 'completed') as completed
         from ${pgBossSchema(bed.testDb.schema)}.job where name = 'sync.run'`,
    );
    expect(jobs).toEqual({ n: CONNECTIONS, completed: CONNECTIONS });

    // Four workers ticking a 2 s schedule: each period slot (database clock) fired once, not once per worker.
    // A quick run may end before five periods have passed: let the schedule tick on until then.
    await waitFor('five schedule periods', async () => {
      const [n] = await sqlOnce<{ n: number }>(`select count(*) as n from ${bed.testDb.schema}.tick_fires`);
      return Number(n!.n) >= 5;
    });
    const [ticks] = await sqlOnce<{ fires: number; jobs: number; slots: number; spanned: number }>(
      `select count(*) as fires, count(distinct f.job_id) as jobs, count(distinct j.singleton_on) as slots,
              extract(epoch from max(j.singleton_on) - min(j.singleton_on))::float8 / $1 + 1 as spanned
         from ${bed.testDb.schema}.tick_fires f
         join ${pgBossSchema(bed.testDb.schema)}.job j on j.id::text = f.job_id`,
      [TICK_SECONDS],
    );
    expect(ticks!.fires).toBeGreaterThanOrEqual(5);
    expect(ticks).toMatchObject({ jobs: ticks!.fires, slots: ticks!.fires });
    expect(ticks!.fires).toBeGreaterThanOrEqual(ticks!.spanned - 3);

    for (const w of workers.slice(2)) w.child.kill('SIGTERM');
    for (const w of workers.slice(2)) expect(await w.exited).toEqual({ code: 0, signal: null });
  });
});
