import type { ConnectionDeps } from '../connections/index.js';
import { isAppError } from '../core/errors.js';
import { sleep } from '../core/http/index.js';
import { orphanedRuns, syncRunLease } from '../runs/index.js';
import {
  ACTIVE_STATUSES,
  DEFAULT_LEASE_MS,
  executeRun,
  type StartSyncInput,
  type SyncRun,
  startSync,
} from '../sync/index.js';
import { resumeOpenRuns } from './run-jobs.js';
import { connectionJobKey, type EnqueueOptions, type JobRunner } from './runner.js';

export const SYNC_RUN_JOB = 'sync.run';
export const SYNC_SCHEDULE_JOB = 'sync.schedule';

export interface SyncRunPayload {
  workspaceId: string;
  runId: string;
}

export interface SyncJobOptions {
  /** Minutes between scheduled runs of each connection (BETON_SYNC_INTERVAL_MINUTES). */
  intervalMinutes: number;
  leaseMs?: number;
  /** Sync runs at once in this process. */
  concurrency?: number;
  /** Called after a run ends (the pipeline queues scoring from here). */
  onRunFinished?: (run: SyncRun, workspaceId: string) => Promise<unknown>;
}

/**
 * Register the sync jobs: `sync.run` executes one queued run (a retried or re-delivered job resumes
 * from the committed cursor; while another process holds the run's lease it waits, so a dead
 * worker's run is taken over once its lease runs out); `sync.schedule` hands orphaned runs back to
 * the runner and starts a run for every connected source whose last run began more than the
 * interval ago.
 *
 * @example
 * registerSyncJobs(rt.jobs, rt, { intervalMinutes: rt.config.BETON_SYNC_INTERVAL_MINUTES });
 * await rt.jobs.schedule(SYNC_SCHEDULE_JOB, { everyMinutes: 1 });
 */
export function registerSyncJobs(runner: JobRunner, deps: ConnectionDeps, opts: SyncJobOptions): void {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  runner.register<SyncRunPayload>(
    SYNC_RUN_JOB,
    async (payload, ctx) => {
      for (;;) {
        const run = await executeRun(deps, payload.workspaceId, payload.runId, {
          leaseMs,
          signal: ctx.signal,
        });
        if (!ACTIVE_STATUSES.includes(run.status)) {
          ctx.logger.info({ runId: run.id, status: run.status, counts: run.counts }, 'sync run finished');
          await opts
            .onRunFinished?.(run, payload.workspaceId)
            .catch((err) => ctx.logger.warn({ err, runId: run.id }, 'after-sync step failed'));
          return;
        }
        if (ctx.signal.aborted) {
          ctx.logger.info({ runId: run.id, status: run.status }, 'sync run handed back');
          return;
        }
        // Another process holds the run (or died holding it): try again until it ends or its lease runs out.
        await sleep(Math.min(leaseMs / 4, 5_000), ctx.signal).catch(() => undefined);
        if (ctx.signal.aborted) return;
      }
    },
    { concurrency: opts.concurrency ?? 2 },
  );
  runner.register(SYNC_SCHEDULE_JOB, async (_payload, ctx) => {
    const resumed = await resumeQueuedRuns(deps, runner, { leaseMs });
    const started = await startDueSyncs(deps, runner, { intervalMinutes: opts.intervalMinutes, leaseMs });
    if (started.length > 0 || resumed > 0) {
      ctx.logger.info({ runs: started.length, resumed }, 'scheduled syncs started');
    }
  });
}

/**
 * One job per run (its id is the singleton key); one connection's jobs on one worker at a time (the
 * exclusive key); a job re-delivered after its worker died retries soon, since the run's lease has
 * run out by the time the job's has.
 */
const runJobOptions = (workspaceId: string, integration: string, runId: string): EnqueueOptions => ({
  singletonKey: runId,
  exclusiveKey: connectionJobKey(workspaceId, integration),
  retryDelayMs: 1_000,
});

/**
 * Queue a sync and hand it to the runner: what `POST /integrations/:name/sync` does.
 *
 * @example
 * const run = await enqueueSync(rt, rt.jobs, ws, 'acme', { trigger: 'api', actorId: userId });
 */
export async function enqueueSync(
  deps: ConnectionDeps,
  runner: JobRunner,
  workspaceId: string,
  integration: string,
  input: StartSyncInput,
): Promise<SyncRun> {
  const run = await startSync(deps, workspaceId, integration, input);
  await runner.enqueue<SyncRunPayload>(
    SYNC_RUN_JOB,
    { workspaceId, runId: run.id },
    runJobOptions(workspaceId, integration, run.id),
  );
  return run;
}

/**
 * Start a run for each connected source that is due. This is the one system-level query over every
 * workspace (the scheduler serves them all); each run it starts is scoped to its own workspace.
 */
export async function startDueSyncs(
  deps: ConnectionDeps,
  runner: JobRunner,
  opts: { intervalMinutes: number; leaseMs?: number },
): Promise<SyncRun[]> {
  const db = deps.db.kysely;
  const sources = new Set(
    deps.integrations
      .list()
      .filter((i) => i.roles.includes('source') && Object.keys(i.streams).length > 0)
      .map((i) => i.name),
  );
  if (sources.size === 0) return [];
  const connections = await db
    .selectFrom('connections')
    .select(['id', 'workspace_id', 'integration'])
    .where('status', '=', 'connected')
    .where('integration', 'in', [...sources])
    .execute();
  const dueBefore = new Date(deps.clock.now().getTime() - opts.intervalMinutes * 60_000).toISOString();
  const started: SyncRun[] = [];
  for (const connection of connections) {
    const last = await db
      .selectFrom('sync_runs')
      .select('created_at')
      .where('workspace_id', '=', connection.workspace_id)
      .where('connection_id', '=', connection.id)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last && last.created_at > dueBefore) continue;
    try {
      started.push(
        await enqueueSync(deps, runner, connection.workspace_id, connection.integration, {
          trigger: 'schedule',
          ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
        }),
      );
    } catch (error) {
      // Another trigger won (409) or the connection broke since the query: the next tick decides again.
      if (!isAppError(error)) throw error;
    }
  }
  return started;
}

/**
 * Hand the runner every queued run, and every running run whose process stopped heartbeating: runs
 * queued before a restart, released at shutdown, or orphaned by a dead process resume from their
 * committed cursor. A run that already has its job is not enqueued twice (the run id is the job's
 * singleton key). Enrichment and push runs too, when the runner has their jobs (`resumeOpenRuns`).
 * Answers how many runs got a new job.
 *
 * @example
 * await resumeQueuedRuns(rt, rt.jobs, { leaseMs: 60_000 });
 */
export async function resumeQueuedRuns(
  deps: ConnectionDeps,
  runner: JobRunner,
  opts: { leaseMs?: number } = {},
): Promise<number> {
  const orphans = await orphanedRuns(deps.db.kysely, syncRunLease, {
    now: deps.clock.now(),
    staleMs: opts.leaseMs ?? DEFAULT_LEASE_MS,
    columns: ['integration'],
  });
  let resumed = 0;
  for (const run of orphans) {
    const id = await runner.enqueue<SyncRunPayload>(
      SYNC_RUN_JOB,
      { workspaceId: run.workspaceId, runId: run.id },
      runJobOptions(run.workspaceId, run.integration, run.id),
    );
    if (id) resumed += 1;
  }
  return resumed + (await resumeOpenRuns(deps, runner));
}
