import { enqueueDerive } from '../alerts/index.js';
import type { ConnectionDeps } from '../connections/index.js';
import { isAppError } from '../core/errors.js';
import {
  executeOpenScoreRun,
  finishScoreRun,
  openScoreRun,
  runScore,
  type ScoreRun,
} from '../scoring/index.js';
import { evaluateSegments } from '../segments/index.js';
import type { JobRunner } from './runner.js';
import { enqueueDueListSyncs } from './segment-lists.js';

export const SCORE_RUN_JOB = 'score.run';

export interface ScoreRunPayload {
  workspaceId: string;
  runId: string;
  mode: 'auto' | 'full' | 'incremental';
}

export const isConflict = (error: unknown) => isAppError(error) && error.status === 409;

/** One workspace's score runs never overlap, in any worker (the run slot also refuses a second). */
const scoreJobKey = (workspaceId: string) => `score:${workspaceId}`;

/**
 * After segments were evaluated: queue the list syncs their changes made due. A queue that refuses
 * is logged, not thrown (the score run stands; the worker's minute check queues them again).
 */
async function followSegmentChanges(deps: ConnectionDeps, jobs: JobRunner | undefined, workspaceId: string) {
  if (!jobs) return;
  await enqueueDueListSyncs(jobs, deps.db.kysely, workspaceId).catch((err) =>
    deps.logger.warn({ err, workspaceId }, 'could not queue automatic list syncs'),
  );
}

/**
 * Score a workspace and evaluate its segments (queueing the list syncs that follows, given a job
 * runner); false when a score run is already going there (409), which covers this one.
 */
export async function runScoreSkippingConflict(
  deps: ConnectionDeps,
  workspaceId: string,
  trigger: string,
  jobs?: JobRunner,
): Promise<boolean> {
  try {
    await runScore(deps.db.kysely, workspaceId, { trigger, clock: deps.clock });
    await evaluateSegments(deps.db.kysely, workspaceId, deps.clock.now());
    await followSegmentChanges(deps, jobs, workspaceId);
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/**
 * Register `score.run`: a worker executes a score run the API opened. Scoring recomputes from
 * stored records, so a retry after a crash simply runs it again.
 *
 * @example
 * registerScoreJobs(rt.jobs, rt);
 */
export function registerScoreJobs(runner: JobRunner, deps: ConnectionDeps): void {
  runner.register<ScoreRunPayload>(SCORE_RUN_JOB, async (payload, ctx) => {
    const run = await executeOpenScoreRun(deps.db.kysely, payload.workspaceId, payload.runId, {
      mode: payload.mode,
      clock: deps.clock,
    });
    if (run.status === 'succeeded') {
      await evaluateSegments(deps.db.kysely, payload.workspaceId, deps.clock.now());
      await followSegmentChanges(deps, runner, payload.workspaceId);
      // The occurrences it opened are in the outbox: turn them into alerts now, not at the next tick.
      await enqueueDerive(runner);
    }
    ctx.logger.info({ runId: run.id, status: run.status }, 'score run finished');
  });
}

/**
 * Open a score run and queue it for a worker: what `POST /score-runs` does. Answers the open run
 * at once (409 `score_run_running` while another holds the workspace's slot).
 *
 * @example
 * const run = await enqueueScore(rt, rt.jobs, ws, { mode: 'auto', trigger: 'api', actorId: null });
 */
export async function enqueueScore(
  deps: ConnectionDeps,
  runner: JobRunner,
  workspaceId: string,
  req: { mode: ScoreRunPayload['mode']; trigger: string; actorId: string | null },
): Promise<ScoreRun> {
  const run = await openScoreRun(deps.db.kysely, workspaceId, { ...req, clock: deps.clock });
  try {
    await runner.enqueue<ScoreRunPayload>(
      SCORE_RUN_JOB,
      { workspaceId, runId: run.id, mode: req.mode },
      { singletonKey: run.id, exclusiveKey: scoreJobKey(workspaceId), retryDelayMs: 1_000 },
    );
  } catch (error) {
    // Nothing will execute it: free the workspace's slot at once.
    await finishScoreRun(deps.db.kysely, workspaceId, run.id, {
      status: 'failed',
      counts: {},
      error: `Could not queue the run: ${(error as Error).message}`,
      now: deps.clock.now().toISOString(),
    });
    throw error;
  }
  return run;
}
