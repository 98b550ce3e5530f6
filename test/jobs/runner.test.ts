import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import {
  enqueueSync,
  InProcessJobRunner,
  registerSyncJobs,
  resumeQueuedRuns,
  startDueSyncs,
} from '../../src/jobs/index.js';
import { allRecords, getRun, listRuns, startSync } from '../../src/sync/index.js';
import { startTestkitSimulator, type TestkitSimulator } from '../support/testkit-integration/index.js';
import { createSyncTestbed, type SyncTestbed } from '../support/testkit-integration/testbed.js';

const logger = createLogger({ level: 'silent' });

describe('InProcessJobRunner', () => {
  it('runs jobs, retries a failure with backoff, and ignores a duplicate singleton', async () => {
    const runner = new InProcessJobRunner({ logger });
    const seen: string[] = [];
    let failures = 1;
    runner.register<{ n: number }>('flaky', async (p, ctx) => {
      seen.push(`${p.n}@${ctx.attempt}`);
      if (failures-- > 0) throw new Error('boom');
    });
    await runner.start();
    expect(await runner.enqueue('flaky', { n: 1 }, { singletonKey: 'one', retryDelayMs: 10 })).toBeTruthy();
    expect(await runner.enqueue('flaky', { n: 2 }, { singletonKey: 'one' })).toBeNull();
    await runner.idle();
    expect(seen).toEqual(['1@1', '1@2']);
    await runner.stop();
  });

  it('a debounce key holds while its job waits, not once it runs: a trigger during the run queues one more', async () => {
    const runner = new InProcessJobRunner({ logger });
    const ran: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    runner.register<{ n: number }>('look', async (p) => {
      ran.push(p.n);
      if (p.n === 1) await gate;
    });
    expect(await runner.enqueue('look', { n: 1 }, { debounceKey: 'k' })).toBeTruthy();
    expect(await runner.enqueue('look', { n: 2 }, { debounceKey: 'k' })).toBeNull();
    await runner.start();
    // Running now: the next trigger is queued (the running one may have looked already), once.
    expect(await runner.enqueue('look', { n: 3 }, { debounceKey: 'k' })).toBeTruthy();
    expect(await runner.enqueue('look', { n: 4 }, { debounceKey: 'k' })).toBeNull();
    open();
    await runner.idle();
    expect(ran).toEqual([1, 3]);
    await runner.stop();
  });

  it('gives up after the retry limit', async () => {
    const runner = new InProcessJobRunner({ logger });
    let calls = 0;
    runner.register('always', async () => {
      calls += 1;
      throw new Error('nope');
    });
    await runner.start();
    await runner.enqueue('always', {}, { retryLimit: 2, retryDelayMs: 5 });
    await runner.idle();
    expect(calls).toBe(3);
    await runner.stop();
  });

  it('holds to each job’s concurrency', async () => {
    const runner = new InProcessJobRunner({ logger });
    let running = 0;
    let most = 0;
    runner.register(
      'slow',
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
      },
      { concurrency: 2 },
    );
    await runner.start();
    for (let i = 0; i < 6; i++) await runner.enqueue('slow', {});
    await runner.idle();
    expect(most).toBe(2);
    await runner.stop();
  });

  it('aborts running handlers’ signals on stop and waits for them', async () => {
    const runner = new InProcessJobRunner({ logger });
    let aborted = false;
    runner.register('wait', async (_p, ctx) => {
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      aborted = true;
    });
    await runner.start();
    await runner.enqueue('wait', {});
    await new Promise((r) => setTimeout(r, 20));
    await runner.stop({ graceMs: 1000 });
    expect(aborted).toBe(true);
  });
});

describe('sync jobs', () => {
  let bed: SyncTestbed;
  let sim: TestkitSimulator;

  beforeAll(async () => {
    bed = await createSyncTestbed();
    sim = await startTestkitSimulator({ items: 300 });
    await bed.connect(sim, { pageSize: 20 });
  });
  afterAll(async () => {
    await sim.close();
    await bed.close();
  });

  it('runs an enqueued sync, and schedules a connection only once its interval has passed', async () => {
    const runner = new InProcessJobRunner({ logger });
    registerSyncJobs(runner, bed.deps, { intervalMinutes: 60 });
    await runner.start();
    const run = await enqueueSync(bed.deps, runner, bed.workspaceId, 'testkit', { trigger: 'api' });
    await runner.idle();
    expect((await getRun(bed.deps.db.kysely, bed.workspaceId, run.id)).status).toBe('succeeded');

    expect(await startDueSyncs(bed.deps, runner, { intervalMinutes: 60 })).toHaveLength(0);
    // Age the last run past the interval: the scheduler starts one.
    await bed.deps.db.kysely
      .updateTable('sync_runs')
      .set({ created_at: new Date(Date.now() - 61 * 60_000).toISOString() })
      .execute();
    const started = await startDueSyncs(bed.deps, runner, { intervalMinutes: 60 });
    expect(started.map((r) => r.trigger)).toEqual(['schedule']);
    await runner.idle();
    expect((await getRun(bed.deps.db.kysely, bed.workspaceId, started[0]!.id)).status).toBe('succeeded');
    await runner.stop();
  });

  it('at shutdown puts a running sync back in the queue, and the next worker resumes it without rewriting', async () => {
    await bed.deps.db.kysely.deleteFrom('records').execute();
    await bed.deps.db.kysely.deleteFrom('sync_state').execute();
    sim.faults.latencyMs = 20;
    const first = new InProcessJobRunner({ logger });
    registerSyncJobs(first, bed.deps, { intervalMinutes: 60 });
    await first.start();
    const run = await enqueueSync(bed.deps, first, bed.workspaceId, 'testkit', {
      trigger: 'api',
      full: true,
    });
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if ((await getRun(bed.deps.db.kysely, bed.workspaceId, run.id)).counts.pages >= 3) break;
    }
    await first.stop({ graceMs: 5000 });
    const released = await getRun(bed.deps.db.kysely, bed.workspaceId, run.id);
    expect(released.status).toBe('queued');
    expect(released.counts.written).toBeGreaterThan(0);
    expect(released.counts.written).toBeLessThan(300);

    sim.faults.latencyMs = 0;
    const second = new InProcessJobRunner({ logger });
    registerSyncJobs(second, bed.deps, { intervalMinutes: 60 });
    await second.start();
    expect(await resumeQueuedRuns(bed.deps, second)).toBe(1);
    await second.idle();
    const done = await getRun(bed.deps.db.kysely, bed.workspaceId, run.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: { written: 300, read: 300 } });
    expect(
      await allRecords(bed.deps.db.kysely, bed.workspaceId, { integration: 'testkit', stream: 'items' }),
    ).toHaveLength(300);
    expect(
      (await listRuns(bed.deps.db.kysely, bed.workspaceId)).filter((r) => r.status === 'queued'),
    ).toHaveLength(0);
    await second.stop();
  });

  it('a queued run left by a dead process is picked up at start instead of waiting for its lease', async () => {
    const run = await startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'api' });
    const runner = new InProcessJobRunner({ logger });
    registerSyncJobs(runner, bed.deps, { intervalMinutes: 60 });
    await runner.start();
    await resumeQueuedRuns(bed.deps, runner);
    await runner.idle();
    expect((await getRun(bed.deps.db.kysely, bed.workspaceId, run.id)).status).toBe('succeeded');
    await runner.stop();
  });
});
