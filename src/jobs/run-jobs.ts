import type { AuditActor } from '../audit/index.js';
import type { ConnectionDeps } from '../connections/index.js';
import { sleep } from '../core/http/index.js';
import {
  closeUnqueuedEnrich,
  enrichmentIntegrationOf,
  executeEnrichRun,
  openEnrich,
  orphanedEnrichmentRuns,
  withAccountDomains,
} from '../enrichment/index.js';
import {
  closeUnqueuedPush,
  executePushRun,
  openPush,
  openRollback,
  orphanedPushRuns,
  withScoresSource,
} from '../push/index.js';
import { RUN_STALE_MS } from '../runs/index.js';
import { connectionJobKey, type EnqueueOptions, type JobRunner } from './runner.js';
import { runScoreSkippingConflict } from './score.js';

export const ENRICH_RUN_JOB = 'enrich.run';
export const PUSH_RUN_JOB = 'push.run';

export interface EnrichRunPayload {
  workspaceId: string;
  runId: string;
  /** Score the workspace again when the run found companies (the pipeline's enrich → rescore). */
  rescore?: boolean;
}

export interface PushRunPayload {
  workspaceId: string;
  /** A push or a rollback run. */
  runId: string;
  /** Compare every record with the destination (`POST /push/:destination/run {full: true}`). */
  full?: boolean;
}

export interface RunJobOptions {
  /** Enrich and push runs at once in this process, each (default 2). */
  concurrency?: number;
}

/** Runners with these handlers: the schedule's resume step hands their orphaned runs back too. */
const withRunJobs = new WeakSet<JobRunner>();

/**
 * One job per run (its id is the singleton key); one connection's jobs on one worker at a time,
 * whatever they do (sync, enrich, push: the exclusive key); retried with backoff like sync.
 */
const runJobOptions = (workspaceId: string, integration: string, runId: string): EnqueueOptions => ({
  singletonKey: runId,
  exclusiveKey: connectionJobKey(workspaceId, integration),
  retryDelayMs: 1_000,
});

/**
 * Execute until the run has ended, or this process stops (then the run is left open for the next
 * one). While another process holds the run (it claimed it and still beats), wait: once its
 * heartbeat stops for the stale period, this one takes it over.
 */
async function untilEnded<R extends { status: string }>(
  execute: () => Promise<R>,
  ctx: { signal: AbortSignal },
  staleMs: number,
): Promise<R | undefined> {
  for (;;) {
    const run = await execute();
    if (run.status !== 'running' || ctx.signal.aborted) return run.status === 'running' ? undefined : run;
    await sleep(Math.min(staleMs / 4, 5_000), ctx.signal).catch(() => undefined);
    if (ctx.signal.aborted) return undefined;
  }
}

/**
 * Register `enrich.run` and `push.run` (push and rollback runs): each executes one open run in the
 * worker that takes the job. The API opens the run (so it answers 202 with it at once) and queues
 * the job (`enqueueEnrich`, `enqueuePush`, `enqueueRollback`); the job carries the connection's
 * exclusive key, so one connection's sync, enrichment and push never run at once in any worker. A
 * stopping worker leaves its push or enrichment open and hands the job back: the next worker
 * carries on from what was recorded.
 *
 * @example
 * registerRunJobs(rt.jobs, rt);
 * const runId = await enqueuePush(rt, rt.jobs, ws, 'acme', { trigger: 'api', actor });
 */
export function registerRunJobs(runner: JobRunner, deps: ConnectionDeps, opts: RunJobOptions = {}): void {
  const concurrency = opts.concurrency ?? 2;
  const enrichDeps = withAccountDomains(deps);
  const pushDeps = withScoresSource(deps);
  runner.register<EnrichRunPayload>(
    ENRICH_RUN_JOB,
    async (payload, ctx) => {
      const run = await untilEnded(
        () =>
          executeEnrichRun(enrichDeps, payload.workspaceId, payload.runId, {
            signal: ctx.signal,
            leaveOpenOnAbort: true,
          }),
        ctx,
        RUN_STALE_MS,
      );
      if (!run) {
        ctx.logger.info({ runId: payload.runId }, 'enrichment run handed back');
        return;
      }
      ctx.logger.info({ runId: payload.runId, status: run.status }, 'enrichment run finished');
      if (payload.rescore && run.counts.found > 0) {
        await runScoreSkippingConflict(deps, payload.workspaceId, 'pipeline', runner);
      }
    },
    { concurrency },
  );
  runner.register<PushRunPayload>(
    PUSH_RUN_JOB,
    async (payload, ctx) => {
      const run = await untilEnded(
        () =>
          executePushRun(pushDeps, payload.workspaceId, payload.runId, {
            signal: ctx.signal,
            leaveOpenOnAbort: true,
            ...(payload.full ? { full: true } : {}),
          }),
        ctx,
        RUN_STALE_MS,
      );
      ctx.logger.info(
        { runId: payload.runId, status: run?.status ?? 'handed back' },
        run ? 'push run finished' : 'push run handed back',
      );
    },
    { concurrency },
  );
  withRunJobs.add(runner);
}

/**
 * Open an enrichment run and queue it for a worker: what `POST /enrichment/run` does. Answers the
 * run's id at once (409 `enrichment_running` while another is open).
 *
 * @example
 * const runId = await enqueueEnrich(rt, rt.jobs, ws, { trigger: 'api', actor });
 */
export async function enqueueEnrich(
  deps: ConnectionDeps,
  runner: JobRunner,
  workspaceId: string,
  req: { trigger: string; actor: AuditActor; rescore?: boolean },
): Promise<string> {
  const enrichDeps = withAccountDomains(deps);
  const provider = await enrichmentIntegrationOf(deps, workspaceId);
  const runId = await openEnrich(enrichDeps, workspaceId, req);
  try {
    await runner.enqueue<EnrichRunPayload>(
      ENRICH_RUN_JOB,
      { workspaceId, runId, ...(req.rescore ? { rescore: true } : {}) },
      runJobOptions(workspaceId, provider, runId),
    );
  } catch (error) {
    await closeUnqueuedEnrich(enrichDeps, workspaceId, runId, error);
    throw error;
  }
  return runId;
}

/**
 * Open a push run and queue it for a worker: what `POST /push/:destination/run` does. Answers the
 * run's id at once (409 `push_running` while another push to the destination is open).
 *
 * @example
 * const runId = await enqueuePush(rt, rt.jobs, ws, 'acme', { trigger: 'api', actor, full: false });
 */
export async function enqueuePush(
  deps: ConnectionDeps,
  runner: JobRunner,
  workspaceId: string,
  destination: string,
  req: { trigger: string; actor: AuditActor; full?: boolean },
): Promise<string> {
  const pushDeps = withScoresSource(deps);
  const runId = await openPush(pushDeps, workspaceId, destination, req);
  await queuePushJob(pushDeps, runner, workspaceId, destination, runId, req.full === true);
  return runId;
}

/**
 * Open a rollback of a push run and queue it for a worker: what `POST /push-runs/:id/rollback`
 * does. Answers the rollback run's id at once.
 *
 * @example
 * const rollbackId = await enqueueRollback(rt, rt.jobs, ws, 'pr_…', { trigger: 'api', actor });
 */
export async function enqueueRollback(
  deps: ConnectionDeps,
  runner: JobRunner,
  workspaceId: string,
  runId: string,
  req: { trigger: string; actor: AuditActor },
): Promise<string> {
  const pushDeps = withScoresSource(deps);
  const { rollbackId, destination } = await openRollback(pushDeps, workspaceId, runId, req);
  await queuePushJob(pushDeps, runner, workspaceId, destination, rollbackId, false);
  return rollbackId;
}

async function queuePushJob(
  deps: ConnectionDeps,
  runner: JobRunner,
  workspaceId: string,
  destination: string,
  runId: string,
  full: boolean,
): Promise<void> {
  try {
    await runner.enqueue<PushRunPayload>(
      PUSH_RUN_JOB,
      { workspaceId, runId, ...(full ? { full: true } : {}) },
      runJobOptions(workspaceId, destination, runId),
    );
  } catch (error) {
    await closeUnqueuedPush(deps, workspaceId, runId, error);
    throw error;
  }
}

/**
 * Hand the runner every open enrichment and push run that no process has taken, or whose process
 * stopped beating: runs queued by an API process whose jobs live elsewhere (on SQLite, where the
 * queue is in memory), and runs whose process died. A run that already has its job is not queued
 * twice (the run id is the job's singleton key). Answers how many runs got a new job; nothing when
 * the runner lacks the handlers (`registerRunJobs`).
 *
 * @example
 * await resumeOpenRuns(rt, rt.jobs);
 */
export async function resumeOpenRuns(deps: ConnectionDeps, runner: JobRunner): Promise<number> {
  if (!withRunJobs.has(runner)) return 0;
  const now = deps.clock.now();
  let resumed = 0;
  for (const run of await orphanedEnrichmentRuns(deps.db.kysely, now)) {
    // The run holds its provider's connection key; a provider no longer connected fails the run
    // when it executes, so any key will do for that.
    const provider = await enrichmentIntegrationOf(deps, run.workspaceId).catch(() => 'enrichment');
    const id = await runner.enqueue<EnrichRunPayload>(
      ENRICH_RUN_JOB,
      { workspaceId: run.workspaceId, runId: run.id },
      runJobOptions(run.workspaceId, provider, run.id),
    );
    if (id) resumed += 1;
  }
  for (const run of await orphanedPushRuns(deps.db.kysely, now)) {
    const id = await runner.enqueue<PushRunPayload>(
      PUSH_RUN_JOB,
      { workspaceId: run.workspaceId, runId: run.id },
      runJobOptions(run.workspaceId, run.destination, run.id),
    );
    if (id) resumed += 1;
  }
  return resumed;
}
