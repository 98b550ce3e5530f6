import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable, Transaction } from 'kysely';
import { AppError, conflict, notFound } from '../core/errors.js';
import { preparedStatement } from '../db/bulk.js';
import { sqliteHandleOf } from '../db/dialect.js';
import { fromJson, toJson } from '../db/json.js';
import type { DB, SyncRunStatus, SyncRunsTable } from '../db/schema/index.js';
import { recordEvent } from '../outbox/index.js';
import { beatRun, claimRun as claimLease, releaseRun, staleBefore, syncRunLease } from '../runs/index.js';
import { abortLocalRun } from './active.js';

export type { SyncRunStatus } from '../db/schema/index.js';
/** What started a run: `web` is a signed-in person (session cookie), `api` an API key. */
export type SyncTrigger = 'manual' | 'schedule' | 'web' | 'api' | 'cli' | 'pipeline';

export interface RunCounts {
  pages: number;
  read: number;
  written: number;
  unchanged: number;
  deleted: number;
  rejected: number;
}

export interface StreamRunSummary extends RunCounts {
  status: 'pending' | 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled';
  /** This pass started from scratch (first run, `--full`, or the cursor was too old). */
  full: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface RunWarning {
  stream: string;
  kind: 'reconciliation_drift';
  message: string;
  local: number;
  upstream: number;
}

/** A sync run as the API, the CLI and the web app show it. */
export interface SyncRun {
  id: string;
  workspaceId: string;
  connectionId: string;
  integration: string;
  trigger: string;
  status: SyncRunStatus;
  fullRefresh: boolean;
  /** null = every stream of the integration. */
  requestedStreams: string[] | null;
  streams: Record<string, StreamRunSummary>;
  counts: RunCounts;
  currentStream: string | null;
  /** Records read per second since the run started (0 before it starts). */
  recordsPerSecond: number;
  error: { code: string; message: string } | null;
  warnings: RunWarning[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string;
  cancelRequestedAt: string | null;
}

export interface SyncReject {
  id: number;
  stream: string;
  externalId: string | null;
  reason: string;
  payloadExcerpt: string | null;
  createdAt: string;
}

export const ACTIVE_STATUSES: SyncRunStatus[] = ['queued', 'running'];
export const emptyCounts = (): RunCounts => ({
  pages: 0,
  read: 0,
  written: 0,
  unchanged: 0,
  deleted: 0,
  rejected: 0,
});

type Row = Selectable<SyncRunsTable>;
type Queryable = Kysely<DB> | Transaction<DB>;

export function toSyncRun(row: Row, now: Date = new Date()): SyncRun {
  const started = row.started_at ? Date.parse(row.started_at) : undefined;
  const ended = row.finished_at ? Date.parse(row.finished_at) : now.getTime();
  const seconds = started !== undefined ? Math.max(0.001, (ended - started) / 1000) : 0;
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    connectionId: row.connection_id,
    integration: row.integration,
    trigger: row.trigger,
    status: row.status,
    fullRefresh: Boolean(row.full_refresh),
    requestedStreams: fromJson<string[] | null>(row.requested_streams_json, null),
    streams: fromJson<Record<string, StreamRunSummary>>(row.streams_json, {}),
    counts: {
      pages: row.pages,
      read: row.records_read,
      written: row.records_written,
      unchanged: row.records_unchanged,
      deleted: row.records_deleted,
      rejected: row.records_rejected,
    },
    currentStream: row.current_stream,
    recordsPerSecond: seconds > 0 ? Math.round(row.records_read / seconds) : 0,
    error: row.error ? { code: row.error_code ?? 'sync_failed', message: row.error } : null,
    warnings: fromJson<RunWarning[]>(row.warnings_json, []),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
    cancelRequestedAt: row.cancel_requested_at,
  };
}

const isUniqueViolation = (e: unknown) => {
  const code = (e as { code?: string })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
};

/**
 * Fail the runs of a connection whose process stopped heartbeating (killed, crashed). Their committed
 * pages stay; the next run resumes after them.
 */
export async function expireStaleRuns(
  db: Queryable,
  workspaceId: string,
  connectionId: string,
  now: Date,
  leaseMs: number,
): Promise<number> {
  const error = {
    code: 'interrupted',
    message: `The process running this sync stopped (no heartbeat for ${Math.round(leaseMs / 1000)} s). The next run resumes from the last committed page.`,
  };
  // The connection's active runs whose heartbeat is older than the lease.
  const isStale = (eb: ExpressionBuilder<DB, 'sync_runs'>) =>
    eb.and([
      eb('workspace_id', '=', workspaceId),
      eb('connection_id', '=', connectionId),
      eb('status', 'in', ACTIVE_STATUSES),
      eb('heartbeat_at', '<', staleBefore(now, leaseMs)),
    ]);
  const expire = async (trx: Kysely<DB>) => {
    const expired = await trx
      .updateTable('sync_runs')
      .set({ status: 'failed', error: error.message, error_code: error.code, finished_at: now.toISOString() })
      .where(isStale)
      .returning(['id', 'integration', 'trigger', 'started_at'])
      .execute();
    // A run failed this way is announced like any other failed run (outbox, same transaction).
    for (const run of expired) {
      await recordEvent(
        trx,
        {
          workspaceId,
          type: 'sync.failed',
          subject: run.id,
          payload: {
            runId: run.id,
            integration: run.integration,
            trigger: run.trigger,
            error,
            startedAt: run.started_at,
            finishedAt: now.toISOString(),
          },
        },
        now,
      );
    }
    return expired.length;
  };
  if (db.isTransaction) return expire(db);
  // Most calls find nothing to expire: look first, outside a transaction, so starting a run does
  // not take SQLite's write lock across awaits (a second handle in this process would then wait on
  // its busy timeout while blocking the event loop that holds the lock).
  const stale = await db.selectFrom('sync_runs').select('id').where(isStale).limit(1).executeTakeFirst();
  return stale ? db.transaction().execute(expire) : 0;
}

export interface NewRun {
  connectionId: string;
  integration: string;
  trigger: SyncTrigger;
  streams?: string[] | null;
  full?: boolean;
  actorId?: string | null;
}

/**
 * Queue a run, or answer 409 `sync_running` when the connection already has one: the unique partial
 * index on active runs decides, so two processes racing get one run between them.
 *
 * @example
 * const run = await createRun(db, ws, { connectionId, integration: 'stripe', trigger: 'api' }, { now, leaseMs: 60_000 });
 */
export async function createRun(
  db: Kysely<DB>,
  workspaceId: string,
  input: NewRun,
  opts: { now: Date; leaseMs: number },
): Promise<SyncRun> {
  await expireStaleRuns(db, workspaceId, input.connectionId, opts.now, opts.leaseMs);
  const now = opts.now.toISOString();
  const row: Row = {
    id: randomUUID(),
    workspace_id: workspaceId,
    connection_id: input.connectionId,
    integration: input.integration,
    trigger: input.trigger,
    status: 'queued',
    full_refresh: input.full ? 1 : 0,
    requested_streams_json: input.streams && input.streams.length > 0 ? toJson(input.streams) : null,
    streams_json: '{}',
    pages: 0,
    records_read: 0,
    records_written: 0,
    records_unchanged: 0,
    records_deleted: 0,
    records_rejected: 0,
    current_stream: null,
    error: null,
    error_code: null,
    warnings_json: '[]',
    actor_id: input.actorId ?? null,
    created_at: now,
    started_at: null,
    finished_at: null,
    heartbeat_at: now,
    cancel_requested_at: null,
  };
  try {
    await db.insertInto('sync_runs').values(row).execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const active = await db
      .selectFrom('sync_runs')
      .select(['id', 'status'])
      .where('workspace_id', '=', workspaceId)
      .where('connection_id', '=', input.connectionId)
      .where('status', 'in', ACTIVE_STATUSES)
      .executeTakeFirst();
    throw conflict(
      `A sync of ${input.integration} is already ${active?.status ?? 'running'}${active ? ` (run ${active.id})` : ''}; wait for it to finish or cancel it.`,
      { runId: active?.id ?? null },
      'sync_running',
    );
  }
  return toSyncRun(row, opts.now);
}

/**
 * Take a queued run (or one whose process died) for this process. False when another process has it
 * or it is over: the caller then does nothing.
 */
export async function claimRun(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  opts: { now: Date; leaseMs: number },
): Promise<boolean> {
  return (
    (await claimLease(db, syncRunLease, workspaceId, runId, { now: opts.now, staleMs: opts.leaseMs })) !==
    null
  );
}

/** Keep the lease; answers whether someone asked to cancel. */
export async function heartbeatRun(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  now: Date,
): Promise<{ cancelRequested: boolean }> {
  await beatRun(db, syncRunLease, workspaceId, runId, now);
  const row = await db
    .selectFrom('sync_runs')
    .select('cancel_requested_at')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .executeTakeFirst();
  return { cancelRequested: Boolean(row?.cancel_requested_at) };
}

/**
 * Record a committed page on its run, in the page's transaction: the counts so far, the per-stream
 * breakdown, the stream being read, and a heartbeat. Answers whether someone asked to cancel.
 */
export async function recordRunPage(
  trx: Queryable,
  workspaceId: string,
  runId: string,
  page: { counts: RunCounts; streams: Record<string, StreamRunSummary>; stream: string; now: string },
): Promise<{ cancelRequested: boolean }> {
  // On SQLite in the page's transaction: one statement prepared once (it runs after every page).
  const sqlite = trx.isTransaction ? sqliteHandleOf(trx) : undefined;
  if (sqlite) {
    const flags = preparedStatement(sqlite, RECORD_PAGE).get(
      page.counts.pages,
      page.counts.read,
      page.counts.written,
      page.counts.unchanged,
      page.counts.deleted,
      page.counts.rejected,
      toJson(page.streams),
      page.stream,
      page.now,
      workspaceId,
      runId,
    ) as { cancel_requested_at: string | null } | undefined;
    return { cancelRequested: Boolean(flags?.cancel_requested_at) };
  }
  const flags = await trx
    .updateTable('sync_runs')
    .set({
      pages: page.counts.pages,
      records_read: page.counts.read,
      records_written: page.counts.written,
      records_unchanged: page.counts.unchanged,
      records_deleted: page.counts.deleted,
      records_rejected: page.counts.rejected,
      streams_json: toJson(page.streams),
      current_stream: page.stream,
      heartbeat_at: page.now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .returning('cancel_requested_at')
    .executeTakeFirst();
  return { cancelRequested: Boolean(flags?.cancel_requested_at) };
}

const RECORD_PAGE = `UPDATE sync_runs SET pages = ?, records_read = ?, records_written = ?, records_unchanged = ?,
    records_deleted = ?, records_rejected = ?, streams_json = ?, current_stream = ?, heartbeat_at = ?
  WHERE workspace_id = ? AND id = ? RETURNING cancel_requested_at`;

/** Record the deletions a full pass's sweep found, in the sweep's transaction. */
export async function recordRunDeletes(
  trx: Queryable,
  workspaceId: string,
  runId: string,
  swept: { deleted: number; streams: Record<string, StreamRunSummary> },
): Promise<void> {
  await trx
    .updateTable('sync_runs')
    .set({ records_deleted: swept.deleted, streams_json: toJson(swept.streams) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
}

/**
 * Hand a run back to the queue with its per-stream breakdown (the process is stopping): a job
 * runner, or the next start, resumes it from the committed cursor.
 */
export async function releaseSyncRun(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  input: { streams: Record<string, StreamRunSummary>; now: Date },
): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({ streams_json: toJson(input.streams), current_stream: null })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
  await releaseRun(db, syncRunLease, workspaceId, runId, input.now);
}

/** Close a run with its outcome. */
export async function finishSyncRun(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  input: {
    status: SyncRunStatus;
    streams: Record<string, StreamRunSummary>;
    warnings: RunWarning[];
    error: { code: string; message: string } | null;
    now: string;
  },
): Promise<void> {
  const finish = async (trx: Kysely<DB>) => {
    const run = await trx
      .updateTable('sync_runs')
      .set({
        status: input.status,
        streams_json: toJson(input.streams),
        warnings_json: toJson(input.warnings),
        error: input.error?.message ?? null,
        error_code: input.error?.code ?? null,
        current_stream: null,
        finished_at: input.now,
        heartbeat_at: input.now,
      })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', runId)
      .returning(['integration', 'trigger', 'started_at'])
      .executeTakeFirst();
    // Announced in the same transaction (outbox): webhooks hear of every failed sync run.
    if (run && input.status === 'failed') {
      await recordEvent(
        trx,
        {
          workspaceId,
          type: 'sync.failed',
          subject: runId,
          payload: {
            runId,
            integration: run.integration,
            trigger: run.trigger,
            error: input.error,
            startedAt: run.started_at,
            finishedAt: input.now,
          },
        },
        new Date(input.now),
      );
    }
  };
  if (db.isTransaction) await finish(db);
  else await db.transaction().execute(finish);
}

export async function getRun(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  now?: Date,
): Promise<SyncRun> {
  const row = await db
    .selectFrom('sync_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!row) throw notFound(`Sync run ${runId}`);
  return toSyncRun(row, now);
}

export interface RunFilter {
  integration?: string;
  connectionId?: string;
  status?: SyncRunStatus;
  /** Newest first; pass the last `createdAt` of a page to get the next one. */
  before?: string;
  limit?: number;
}

/** Run history, newest first. */
export async function listRuns(
  db: Kysely<DB>,
  workspaceId: string,
  filter: RunFilter = {},
  now?: Date,
): Promise<SyncRun[]> {
  let q = db.selectFrom('sync_runs').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.integration) q = q.where('integration', '=', filter.integration);
  if (filter.connectionId) q = q.where('connection_id', '=', filter.connectionId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.before) q = q.where('created_at', '<', filter.before);
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500))
    .execute();
  return rows.map((r) => toSyncRun(r, now));
}

/** The records a run rejected, with reasons, in order. */
export async function listRejects(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  opts: { afterId?: number; limit?: number } = {},
): Promise<SyncReject[]> {
  await getRun(db, workspaceId, runId);
  let q = db
    .selectFrom('sync_rejects')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  const rows = await q
    .orderBy('id')
    .limit(Math.min(Math.max(opts.limit ?? 100, 1), 1000))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    stream: r.stream,
    externalId: r.external_id,
    reason: r.reason,
    payloadExcerpt: r.payload_excerpt,
    createdAt: r.created_at,
  }));
}

/**
 * Ask a run to stop. A queued run (or one whose process died) is canceled at once; a running one
 * stops after its current page, which stays committed.
 */
export async function requestCancel(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  opts: { now: Date; leaseMs: number },
): Promise<SyncRun> {
  const run = await getRun(db, workspaceId, runId);
  if (!ACTIVE_STATUSES.includes(run.status)) {
    throw new AppError(409, 'run_finished', `Run ${runId} already ended (${run.status}); nothing to cancel.`);
  }
  const now = opts.now.toISOString();
  await db
    .updateTable('sync_runs')
    .set({ cancel_requested_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
  abortLocalRun(runId);
  await db
    .updateTable('sync_runs')
    .set({ status: 'canceled', finished_at: now, error: 'Canceled on request.', error_code: 'canceled' })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'queued'),
        eb.and([eb('status', '=', 'running'), eb('heartbeat_at', '<', staleBefore(opts.now, opts.leaseMs))]),
      ]),
    )
    .execute();
  return getRun(db, workspaceId, runId, opts.now);
}
