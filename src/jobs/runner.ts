import type { Logger } from '../core/logger.js';

/** What a job handler gets besides its payload. */
export interface JobContext {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** Aborted when the runner stops: finish the current unit of work, commit, return. */
  signal: AbortSignal;
  logger: Logger;
}

export type JobHandler<P> = (payload: P, ctx: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /** While a job with this key is queued or running, enqueueing another is a no-op (returns null). */
  singletonKey?: string;
  /**
   * While a job with this key waits to start, enqueueing another is a no-op (returns null); once it
   * runs, the next enqueue queues a new one. For "look again soon" jobs: a burst of triggers makes
   * one job, and a trigger that comes while it runs (after it looked) is not lost.
   */
  debounceKey?: string;
  startAfterMs?: number;
  /** Retries after the first failure (default 2). */
  retryLimit?: number;
  /** First retry delay, doubling each time (default 5 s; pg-boss rounds to whole seconds and adds jitter). */
  retryDelayMs?: number;
  /**
   * Jobs sharing this key never run at the same time, in any worker. Every job that calls a
   * connection's service passes `connectionJobKey(workspaceId, integration)`, so that connection's
   * rate budget (kept per credential, per process) is only ever spent by one process at a time.
   */
  exclusiveKey?: string;
}

/**
 * The exclusive key of every job that calls one connection's service (sync, enrich, push). A
 * workspace has one connection per integration, so the pair names the connection and its credential.
 *
 * @example
 * await runner.enqueue('push.run', payload, { exclusiveKey: connectionJobKey(ws, 'acme') });
 */
export const connectionJobKey = (workspaceId: string, integration: string): string =>
  `connection:${workspaceId}:${integration}`;

export interface HandlerOptions {
  /** Jobs of this name run at once in this process (default 1). */
  concurrency?: number;
}

/**
 * Runs the pipeline's jobs (sync, enrich, score, push) and their schedules. The in-process runner
 * serves the embedded default; a pg-boss runner implements the same interface for many workers on
 * Postgres. Handlers do not know which one runs them: they get a payload and a context, are
 * idempotent, and resume from their own checkpoints.
 *
 * @example
 * runner.register<{ runId: string }>('sync.run', async (p, ctx) => { await executeRun(rt, ws, p.runId, { signal: ctx.signal }); });
 * await runner.start();
 * await runner.enqueue('sync.run', { runId }, { singletonKey: runId });
 * await runner.schedule('sync.schedule', { everyMinutes: 1 });
 */
export interface JobRunner {
  readonly kind: 'in-process' | 'pg-boss';
  register<P>(name: string, handler: JobHandler<P>, opts?: HandlerOptions): void;
  /** The job id, or null when a job with the same singletonKey is already queued or running. */
  enqueue<P>(name: string, payload: P, opts?: EnqueueOptions): Promise<string | null>;
  /** Enqueue `name` with `payload` on a fixed period (fires once per period across all workers). */
  schedule<P>(name: string, every: { everyMinutes: number }, payload?: P): Promise<void>;
  start(): Promise<void>;
  /** Stop taking jobs, abort running handlers' signals, wait for them (up to `graceMs`). */
  stop(opts?: { graceMs?: number }): Promise<void>;
}
