import PgBoss from 'pg-boss';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src/jobs/index.js';
import { createTestRuntime, postgresUrl } from '../support/index.js';
import { NEEDS_POSTGRES, sqlOnce, testQueue, waitFor } from './support.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise the test opens when it likes (a job that waits on it holds its place). */
function gate() {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { closed, open };
}

describe('the runtime picks its job runner from the database', () => {
  it('pg-boss on Postgres, in-process on SQLite', async () => {
    const t = await createTestRuntime({ seed: false });
    try {
      expect(t.rt.jobs.kind).toBe(postgresUrl() ? 'pg-boss' : 'in-process');
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!postgresUrl())(`PgBossJobRunner ${NEEDS_POSTGRES}`, { timeout: 40_000 }, () => {
  const q = testQueue();
  afterAll(() => q.drop());

  it('runs a job with its payload; a singleton key holds while the job is queued or running', async () => {
    const worker = q.runner();
    const producer = q.runner();
    const seen: unknown[] = [];
    const held = gate();
    for (const r of [worker, producer]) {
      r.register<{ n: number }>('echo', async (payload) => {
        seen.push(payload);
        await held.closed;
      });
    }
    // Two processes racing to enqueue the same key get one job between them.
    const raced = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? worker : producer).enqueue('echo', { n: i }, { singletonKey: 'k' }),
      ),
    );
    expect(raced.filter(Boolean)).toHaveLength(1);
    await worker.start();
    await waitFor('the job to start', () => seen.length === 1);
    expect(await producer.enqueue('echo', { n: 99 }, { singletonKey: 'k' })).toBeNull();
    held.open();
    await waitFor('the job to complete', async () => {
      const rows = await sqlOnce(
        `select state from ${q.queueSchema}.job where name = 'echo' and state = 'completed'`,
      );
      return rows.length === 1;
    });
    expect(await producer.enqueue('echo', { n: 7 }, { singletonKey: 'k' })).toEqual(expect.any(String));
    await waitFor('the second job', () => seen.length === 2);
    expect(seen[1]).toEqual({ n: 7 });
  });

  it('a debounce key holds while its job is queued, not once it runs, across processes', async () => {
    const worker = q.runner();
    const producer = q.runner();
    const seen: number[] = [];
    const held = gate();
    for (const r of [worker, producer]) {
      r.register<{ n: number }>('look', async (payload) => {
        seen.push(payload.n);
        if (payload.n < 10) await held.closed;
      });
    }
    const raced = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        (i % 2 ? worker : producer).enqueue('look', { n: i }, { debounceKey: 'k' }),
      ),
    );
    expect(raced.filter(Boolean)).toHaveLength(1);
    await worker.start();
    await waitFor('the job to start', () => seen.length === 1);
    // It runs: a trigger now queues the next one, and only one.
    expect(await producer.enqueue('look', { n: 10 }, { debounceKey: 'k' })).toEqual(expect.any(String));
    expect(await producer.enqueue('look', { n: 11 }, { debounceKey: 'k' })).toBeNull();
    held.open();
    await waitFor('the queued one to run', () => seen.length === 2);
    expect(seen[1]).toBe(10);
  });

  it('retries a failing job with growing delays, then gives up after retryLimit', async () => {
    const worker = q.runner();
    const attempts: Array<{ attempt: number; at: number }> = [];
    worker.register('flaky', async (_p, ctx: JobContext) => {
      attempts.push({ attempt: ctx.attempt, at: Date.now() });
      throw new Error('upstream said no');
    });
    await worker.start();
    const id = await worker.enqueue('flaky', {}, { retryLimit: 2, retryDelayMs: 1_000 });
    await waitFor('three attempts', () => attempts.length === 3, 15_000);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const [first, second, third] = attempts as [
      (typeof attempts)[0],
      (typeof attempts)[0],
      (typeof attempts)[0],
    ];
    // pg-boss backoff: delay × 2^n with jitter → [1 s, 2 s), then [2 s, 4 s).
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
    expect(third.at - second.at).toBeGreaterThanOrEqual(1_900);
    await waitFor('the job to fail for good', async () => {
      const rows = await sqlOnce<{ state: string; output: { message: string } }>(
        `select state, output from ${q.queueSchema}.job where id = $1`,
        [id],
      );
      return rows[0]?.state === 'failed' && rows[0].output.message === 'upstream said no';
    });
    await sleep(1_500);
    expect(attempts).toHaveLength(3);
  });

  it('stop() aborts the handler; the job goes back to the queue and another worker finishes it, same attempt', async () => {
    const a = q.runner();
    const b = q.runner();
    const calls: Array<{ worker: string; attempt: number; aborted: boolean }> = [];
    const handler = (worker: string) => async (_p: unknown, ctx: JobContext) => {
      if (worker === 'a') {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      }
      calls.push({ worker, attempt: ctx.attempt, aborted: ctx.signal.aborted });
    };
    a.register('long', handler('a'));
    b.register('long', handler('b'));
    await a.start();
    await a.enqueue('long', {});
    await waitFor('worker a to take the job', async () => {
      const rows = await sqlOnce(
        `select 1 from ${q.queueSchema}.job where name = 'long' and state = 'active'`,
      );
      return rows.length === 1;
    });
    await b.start();
    const stopping = Date.now();
    await a.stop({ graceMs: 5_000 });
    expect(Date.now() - stopping).toBeLessThan(3_000);
    await waitFor('worker b to finish the job', () => calls.length === 2);
    expect(calls).toEqual([
      { worker: 'a', attempt: 1, aborted: true },
      { worker: 'b', attempt: 1, aborted: false },
    ]);
  });

  it('a job whose worker died (no heartbeat) is handed to another worker after its lease', async () => {
    const worker = q.runner({ leaseSeconds: 2 });
    const attempts: number[] = [];
    worker.register('orphan', async (_p, ctx: JobContext) => {
      attempts.push(ctx.attempt);
    });
    await worker.enqueue('orphan', { n: 1 }, { retryDelayMs: 1_000 });
    // A worker that fetches the job and dies: it never heartbeats, completes or fails it.
    const dead = new PgBoss({
      connectionString: postgresUrl()!,
      schema: q.queueSchema,
      supervise: false,
      schedule: false,
    });
    dead.on('error', () => undefined);
    await dead.start();
    expect(await dead.fetch('orphan')).toHaveLength(1);
    await dead.stop({ graceful: false });
    const started = Date.now();
    await worker.start();
    await waitFor('the job to be taken over', () => attempts.length === 1, 15_000);
    expect(attempts).toEqual([2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it('jobs sharing an exclusive key never run at once across workers; other keys run beside them', async () => {
    const spans: Array<{ key: string; from: number; to: number }> = [];
    const workers = [q.runner(), q.runner()];
    for (const w of workers) {
      w.register<{ key: string }>(
        'exclusive',
        async ({ key }) => {
          const from = Date.now();
          await sleep(300);
          spans.push({ key, from, to: Date.now() });
        },
        { concurrency: 2 },
      );
    }
    await Promise.all(workers.map((w) => w.start()));
    const jobs = ['x', 'x', 'x', 'y', 'z'].map((key) => ({ key }));
    await Promise.all(jobs.map((p, i) => workers[i % 2]!.enqueue('exclusive', p, { exclusiveKey: p.key })));
    await waitFor('every job', () => spans.length === jobs.length, 30_000);
    const xs = spans.filter((s) => s.key === 'x').sort((l, r) => l.from - r.from);
    for (let i = 1; i < xs.length; i++) expect(xs[i]!.from).toBeGreaterThanOrEqual(xs[i - 1]!.to);
    const overlaps = spans.some((s) =>
      spans.some((o) => o !== s && o.key !== s.key && o.from < s.to && s.from < o.to),
    );
    expect(overlaps).toBe(true);
  });

  it('a schedule fires once per period across three workers', async () => {
    const fires: Array<{ worker: number; at: number; jobId: string }> = [];
    const workers = [q.runner(), q.runner(), q.runner()];
    const periodMs = 2_000;
    workers.forEach((w, i) => {
      w.register('tick', async (_p, ctx: JobContext) => {
        fires.push({ worker: i, at: Date.now(), jobId: ctx.jobId });
      });
    });
    for (const w of workers) await w.schedule('tick', { everyMinutes: periodMs / 60_000 });
    const from = Date.now();
    await Promise.all(workers.map((w) => w.start()));
    await sleep(7_000);
    await Promise.all(workers.map((w) => w.stop({ graceMs: 1_000 })));
    const windowMs = Date.now() - from;
    const slots = Math.floor(windowMs / periodMs);
    expect(fires.length).toBeGreaterThanOrEqual(slots - 1);
    expect(fires.length).toBeLessThanOrEqual(slots + 2);
    expect(new Set(fires.map((f) => f.jobId)).size).toBe(fires.length);
    // One job per period slot (the slot is taken on the database's clock, whoever enqueues).
    const [slotted] = await sqlOnce<{ jobs: number; slots: number }>(
      `select count(*) as jobs, count(distinct singleton_on) as slots from ${q.queueSchema}.job where name = 'tick'`,
    );
    expect(Number(slotted!.jobs)).toBe(Number(slotted!.slots));
    // Every job fired, but the last slot's job may have been queued just as the workers stopped.
    expect(Number(slotted!.jobs) - fires.length).toBeGreaterThanOrEqual(0);
    expect(Number(slotted!.jobs) - fires.length).toBeLessThanOrEqual(1);
  });
});
