import type { Kysely } from 'kysely';
import type { ConnectionDeps } from '../connections/index.js';
import type { DB } from '../db/index.js';
import { type DueAutoList, dueAutoLists, syncAutoList } from '../segments/index.js';
import { connectionJobKey, type JobRunner } from './runner.js';

export const SEGMENT_LIST_SYNC_JOB = 'segment.list_sync';
export const SEGMENT_LISTS_CHECK_JOB = 'segment.lists_check';

export type SegmentListSyncPayload = DueAutoList;

/** Tries of one automatic list sync before its failure is recorded as covering the change. */
const RETRY_LIMIT = 2;

/**
 * Queue a list-sync job for every kept list whose segment changed since its last automatic sync:
 * in one workspace (right after its segments were evaluated) or in all (the worker's check). One
 * job per segment and destination is queued at a time (a job already waiting covers the change),
 * and it holds the destination connection's key like every job that calls it. Returns how many
 * jobs were queued.
 *
 * @example await enqueueDueListSyncs(rt.jobs, rt.db.kysely, ws); // after evaluateSegments
 */
export async function enqueueDueListSyncs(
  runner: JobRunner,
  db: Kysely<DB>,
  workspaceId: string | null,
): Promise<number> {
  let queued = 0;
  for (const due of await dueAutoLists(db, workspaceId)) {
    const id = await runner.enqueue<SegmentListSyncPayload>(SEGMENT_LIST_SYNC_JOB, due, {
      singletonKey: `segment-list:${due.workspaceId}:${due.segmentId}:${due.destination}`,
      exclusiveKey: connectionJobKey(due.workspaceId, due.destination),
      retryLimit: RETRY_LIMIT,
      retryDelayMs: 5_000,
    });
    if (id !== null) queued += 1;
  }
  return queued;
}

/**
 * Register `segment.list_sync` (bring one kept list up to date: src/segments/auto-lists.ts) and
 * `segment.lists_check` (queue what is due in every workspace: catches score runs made outside a
 * worker, like `beton score`, and jobs a stopped worker never ran).
 *
 * @example
 * registerSegmentListJobs(rt.jobs, rt);
 * await rt.jobs.schedule(SEGMENT_LISTS_CHECK_JOB, { everyMinutes: 1 });
 */
export function registerSegmentListJobs(runner: JobRunner, deps: ConnectionDeps): void {
  runner.register<SegmentListSyncPayload>(SEGMENT_LIST_SYNC_JOB, async (payload, ctx) => {
    const runs = await syncAutoList(deps, payload.workspaceId, payload.segmentId, payload.destination, {
      signal: ctx.signal,
      lastAttempt: ctx.attempt > RETRY_LIMIT,
    });
    for (const run of runs)
      ctx.logger.info(
        {
          runId: run.id,
          segmentId: run.segmentId,
          status: run.status,
          added: run.added,
          removed: run.removed,
        },
        'automatic list sync finished',
      );
  });
  runner.register(SEGMENT_LISTS_CHECK_JOB, async (_payload, ctx) => {
    const queued = await enqueueDueListSyncs(runner, deps.db.kysely, null);
    if (queued > 0) ctx.logger.info({ queued }, 'automatic list syncs queued');
  });
}
