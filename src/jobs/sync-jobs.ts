import type { ConnectionDeps } from '../connections/index.js';
import { isAppError } from '../core/errors.js';
import { DEFAULT_LEASE_MS, executeRun, type StartSyncInput, type SyncRun, startSync } from '../sync/index.js';
import type { JobRunner } from './runner.js';

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
}

/**
 * Register the sync jobs: `sync.run` executes one queued run (a retried or re-delivered job resumes
 * from the committed cursor; a run another process holds is left alone); `sync.schedule` starts a
 * run for every connected source whose last run began more than the interval ago.
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
      const run = await executeRun(deps, payload.workspaceId, payload.runId, { leaseMs, signal: ctx.signal });
      ctx.logger.info({ runId: run.id, status: run.status, counts: run.counts }, 'sync run finished');
    },
    { concurrency: opts.concurrency ?? 2 },
  );
  runner.register(SYNC_SCHEDULE_JOB, async (_payload, ctx) => {
    const started = await startDueSyncs(deps, runner, { intervalMinutes: opts.intervalMinutes, leaseMs });
    if (started.length > 0) ctx.logger.info({ runs: started.length }, 'scheduled syncs started');
  });
}

/**
 * Queue a sync and hand it to the runner: what `POST /integrations/:name/sync` does.
 *
 * @example
 * const run = await enqueueSync(rt, rt.jobs, ws, 'stripe', { trigger: 'api', actorId: userId });
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
    { singletonKey: run.id },
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
 * Hand every queued run to the runner: at worker start, runs queued before a restart (or released at
 * shutdown) resume from their committed cursor instead of waiting for their lease to expire.
 */
export async function resumeQueuedRuns(deps: ConnectionDeps, runner: JobRunner): Promise<number> {
  const queued = await deps.db.kysely
    .selectFrom('sync_runs')
    .select(['id', 'workspace_id'])
    .where('status', '=', 'queued')
    .execute();
  for (const run of queued) {
    await runner.enqueue<SyncRunPayload>(
      SYNC_RUN_JOB,
      { workspaceId: run.workspace_id, runId: run.id },
      { singletonKey: run.id },
    );
  }
  return queued.length;
}
