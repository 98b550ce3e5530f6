import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { EnqueueOptions, HandlerOptions, JobHandler, JobRunner } from './runner.js';

interface QueuedJob {
  id: string;
  name: string;
  payload: unknown;
  attempt: number;
  runAt: number;
  singletonKey: string | undefined;
  debounceKey: string | undefined;
  retryLimit: number;
  retryDelayMs: number;
  exclusiveKey: string | undefined;
}

interface Registered {
  handler: JobHandler<unknown>;
  concurrency: number;
  active: number;
}

/**
 * The embedded job runner: a queue in memory, handlers in this process, retries with exponential
 * backoff, schedules on timers. Jobs do not survive a restart — sync runs do not need them to: a run
 * whose process died is expired by its heartbeat, and the next scheduled run resumes from the
 * committed cursor.
 *
 * @example
 * const runner = new InProcessJobRunner({ logger });
 * runner.register('hello', async (p: { name: string }) => logger.info(`hi ${p.name}`));
 * await runner.start();
 * await runner.enqueue('hello', { name: 'Ada' });
 */
export class InProcessJobRunner implements JobRunner {
  readonly kind = 'in-process' as const;
  private readonly handlers = new Map<string, Registered>();
  private readonly queue: QueuedJob[] = [];
  private readonly running = new Map<string, { job: QueuedJob; done: Promise<void> }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pendingSchedules: Array<() => void> = [];
  private controller = new AbortController();
  private started = false;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: { logger: Logger }) {}

  register<P>(name: string, handler: JobHandler<P>, opts: HandlerOptions = {}): void {
    if (this.handlers.has(name)) throw new Error(`Job "${name}" already has a handler.`);
    this.handlers.set(name, {
      handler: handler as JobHandler<unknown>,
      concurrency: Math.max(1, opts.concurrency ?? 1),
      active: 0,
    });
  }

  async enqueue<P>(name: string, payload: P, opts: EnqueueOptions = {}): Promise<string | null> {
    if (!this.handlers.has(name)) throw new Error(`No handler registered for job "${name}".`);
    if (opts.singletonKey && this.hasSingleton(name, opts.singletonKey)) return null;
    if (opts.debounceKey && this.queue.some((j) => j.name === name && j.debounceKey === opts.debounceKey))
      return null;
    const job: QueuedJob = {
      id: randomUUID(),
      name,
      payload,
      attempt: 1,
      runAt: Date.now() + (opts.startAfterMs ?? 0),
      singletonKey: opts.singletonKey,
      debounceKey: opts.debounceKey,
      retryLimit: opts.retryLimit ?? 2,
      retryDelayMs: opts.retryDelayMs ?? 5_000,
      exclusiveKey: opts.exclusiveKey,
    };
    this.queue.push(job);
    this.pump();
    return job.id;
  }

  async schedule<P>(name: string, every: { everyMinutes: number }, payload?: P): Promise<void> {
    const arm = () => {
      const timer = setInterval(() => {
        void this.enqueue(name, payload ?? {}, { singletonKey: `schedule:${name}`, retryLimit: 0 });
      }, every.everyMinutes * 60_000);
      timer.unref();
      this.timers.add(timer);
    };
    if (this.started) arm();
    else this.pendingSchedules.push(arm);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.controller = new AbortController();
    for (const arm of this.pendingSchedules.splice(0)) arm();
    this.pump();
  }

  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.started = false;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.controller.abort(new Error('The job runner is stopping.'));
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, opts.graceMs ?? 30_000).unref())]);
  }

  /** Jobs queued or running (tests and `/readyz`). */
  get size(): number {
    return this.queue.length + this.running.size;
  }

  /** Resolves when nothing is queued or running (tests). */
  async idle(): Promise<void> {
    while (this.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  private hasSingleton(name: string, key: string): boolean {
    return (
      this.queue.some((j) => j.name === name && j.singletonKey === key) ||
      [...this.running.values()].some((r) => r.job.name === name && r.job.singletonKey === key)
    );
  }

  private holdsExclusive(key: string | undefined): boolean {
    return key !== undefined && [...this.running.values()].some((r) => r.job.exclusiveKey === key);
  }

  private pump(): void {
    if (!this.started) return;
    const now = Date.now();
    let nextWake = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i]!;
      const registered = this.handlers.get(job.name)!;
      if (job.runAt > now) {
        nextWake = Math.min(nextWake, job.runAt);
        i++;
        continue;
      }
      if (registered.active >= registered.concurrency || this.holdsExclusive(job.exclusiveKey)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.run(job, registered);
    }
    if (Number.isFinite(nextWake)) {
      if (this.wakeTimer) clearTimeout(this.wakeTimer);
      this.wakeTimer = setTimeout(() => {
        this.wakeTimer = undefined;
        this.pump();
      }, nextWake - now);
      this.wakeTimer.unref();
    }
  }

  private run(job: QueuedJob, registered: Registered): void {
    registered.active += 1;
    const logger = this.opts.logger.child({ job: job.name, jobId: job.id, attempt: job.attempt });
    const done = (async () => {
      try {
        await registered.handler(job.payload, {
          jobId: job.id,
          attempt: job.attempt,
          signal: this.controller.signal,
          logger,
        });
      } catch (error) {
        if (this.started && job.attempt <= job.retryLimit) {
          const delay = job.retryDelayMs * 2 ** (job.attempt - 1);
          logger.warn({ err: error, retryInMs: delay }, 'job failed; retrying');
          this.queue.push({ ...job, attempt: job.attempt + 1, runAt: Date.now() + delay });
        } else {
          logger.error({ err: error }, 'job failed');
        }
      } finally {
        registered.active -= 1;
        this.running.delete(job.id);
        this.pump();
      }
    })();
    this.running.set(job.id, { job, done });
  }
}
