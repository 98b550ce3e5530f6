import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { conflict, notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';
import { beatRun, type Heartbeat, keepBeating, leaseExpired, scoreRunLease } from '../runs/index.js';

/**
 * Score runs: one at a time per workspace (a unique lock column, so it holds across processes), a
 * heartbeat so a run whose process died does not block the next one, progress and counts.
 */

export type ScoreStage = 'ingest' | 'replay' | 'detect' | 'score' | 'backtest' | 'done';

export interface ScoreProgress {
  stage: ScoreStage;
  done: number;
  total: number;
  detail?: string;
}

export interface ScoreRunCounts {
  accountsScored: number;
  accountsTouched: number;
  accountsReplayed: number;
  accountsRemoved: number;
  signalsDetected: number;
  occurrencesNew: number;
  occurrencesRefreshed: number;
  occurrencesClosed: number;
  usageRows: number;
  linksWritten: number;
  timingsMs: Partial<Record<ScoreStage, number>>;
}

export interface ScoreRun {
  id: string;
  status: 'running' | 'succeeded' | 'failed';
  mode: 'full' | 'incremental';
  trigger: string;
  actorId: string | null;
  stage: string | null;
  progress: ScoreProgress | null;
  counts: Partial<ScoreRunCounts>;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

const toRun = (r: DB['score_runs']): ScoreRun => ({
  id: r.id,
  status: r.status as ScoreRun['status'],
  mode: r.mode as ScoreRun['mode'],
  trigger: r.trigger,
  actorId: r.actor_id,
  stage: r.stage,
  progress: fromJson(r.progress_json, null),
  counts: fromJson(r.counts_json, {}),
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/**
 * Claim the workspace's run slot; 409 while another live run holds it.
 *
 * @example const run = await startScoreRun(db, ws, { mode: 'full', trigger: 'cli', actorId: null, now });
 */
export async function startScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  input: { mode: 'full' | 'incremental'; trigger: string; actorId: string | null; now: string },
): Promise<ScoreRun> {
  const id = `sr_${randomBytes(8).toString('hex')}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const holder = await db
      .selectFrom('score_runs')
      .selectAll()
      .where('active_lock', '=', workspaceId)
      .executeTakeFirst();
    if (holder) {
      if (!leaseExpired(holder.heartbeat_at, holder.started_at, input.now)) {
        throw conflict(
          `A score run is already running (${holder.id}, started ${holder.started_at}). Wait for it to finish.`,
          { runId: holder.id },
          'score_run_running',
        );
      }
      await db
        .updateTable('score_runs')
        .set({
          status: 'failed',
          error: 'The process running it stopped (no heartbeat).',
          finished_at: input.now,
          active_lock: null,
        })
        .where('id', '=', holder.id)
        .where('active_lock', '=', workspaceId)
        .execute();
    }
    try {
      await db
        .insertInto('score_runs')
        .values({
          id,
          workspace_id: workspaceId,
          status: 'running',
          mode: input.mode,
          trigger: input.trigger,
          actor_id: input.actorId,
          stage: 'ingest',
          progress_json: toJson(null),
          counts_json: '{}',
          started_at: input.now,
          heartbeat_at: input.now,
          active_lock: workspaceId,
        })
        .execute();
      return getScoreRun(db, workspaceId, id);
    } catch (error) {
      // Lost the race for the lock to another process: loop to report who holds it.
      if (attempt === 1) throw error;
    }
  }
  throw conflict('A score run is already running. Wait for it to finish.', undefined, 'score_run_running');
}

/**
 * Beat a run's heartbeat on a timer while it executes: a stage can run for minutes without
 * reporting progress (one large SQL aggregation), and the lease must not lapse meanwhile.
 *
 * @example
 * const heartbeat = beatScoreRun(db, ws, run.id, clock);
 * try { await score(); } finally { await heartbeat.stop(); }
 */
export function beatScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  clock: { now(): Date },
): Heartbeat {
  return keepBeating(() => beatRun(db, scoreRunLease, workspaceId, id, clock.now()));
}

export async function updateScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  patch: { progress?: ScoreProgress; mode?: 'full' | 'incremental'; now: string },
): Promise<void> {
  await db
    .updateTable('score_runs')
    .set({
      heartbeat_at: patch.now,
      ...(patch.progress ? { stage: patch.progress.stage, progress_json: toJson(patch.progress) } : {}),
      ...(patch.mode ? { mode: patch.mode } : {}),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export async function finishScoreRun(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  result: {
    status: 'succeeded' | 'failed';
    counts: Partial<ScoreRunCounts>;
    error?: string | null;
    now: string;
  },
): Promise<ScoreRun> {
  await db
    .updateTable('score_runs')
    .set({
      status: result.status,
      stage: 'done',
      counts_json: toJson(result.counts),
      error: result.error ?? null,
      finished_at: result.now,
      heartbeat_at: result.now,
      active_lock: null,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
  return getScoreRun(db, workspaceId, id);
}

export async function getScoreRun(db: Kysely<DB>, workspaceId: string, id: string): Promise<ScoreRun> {
  const row = await db
    .selectFrom('score_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Score run');
  return toRun(row);
}

export async function listScoreRuns(db: Kysely<DB>, workspaceId: string, limit = 20): Promise<ScoreRun[]> {
  const rows = await db
    .selectFrom('score_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 200))
    .execute();
  return rows.map(toRun);
}
