import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { conflict } from '../core/errors.js';
import { fromJson, toJson } from '../db/json.js';
import type { DB, PushRunsTable } from '../db/schema/index.js';
import { recordEvent } from '../outbox/index.js';
import { leaseExpired, orphanedRuns as leaseOrphans, pushRunLease, QUEUED_RUN_MS } from '../runs/index.js';
import type { FieldChange, LastWrite, PlanItem, PushValue } from './types.js';

/**
 * Storage of the push pipeline. Every function takes the workspace id first and filters on it.
 * A run's per-record outcome and the "last successful write" it produces are committed in one
 * transaction, so a crash can never leave a write recorded without its state (or the reverse).
 */

export type RunKind = 'push' | 'rollback';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed';

export interface PushRun {
  id: string;
  destination: string;
  kind: RunKind;
  status: RunStatus;
  trigger: string;
  actor: { type: string | null; id: string | null };
  startedAt: string;
  finishedAt: string | null;
  rollbackOf: string | null;
  rolledBackBy: string | null;
  counts: {
    planned: number;
    created: number;
    updated: number;
    unchanged: number;
    rejected: number;
    skipped: number;
    notes: number;
    writes: number;
    attributesCreated: number;
  };
  error: string | null;
}

export interface PushRunItem {
  id: number;
  key: string;
  accountId: string | null;
  recordId: string | null;
  action: string;
  status: 'written' | 'rejected' | 'skipped';
  changes: FieldChange[];
  reason: string | null;
  createdAt: string;
}

export const newRunId = () => `pr_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;

type Db = Kysely<DB>;

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

/** Counters an item's outcome adds to its run, in the transaction that records the item. */
type Bump = Partial<
  Record<'created' | 'updated' | 'rejected' | 'skipped' | 'notes' | 'writes' | 'attributes_created', number>
>;

async function bump(trx: Kysely<DB> | Transaction<DB>, workspaceId: string, runId: string, by: Bump) {
  const entries = Object.entries(by).filter(([, n]) => n);
  if (entries.length === 0) return;
  await trx
    .updateTable('push_runs')
    .set((eb) =>
      Object.fromEntries(entries.map(([column, n]) => [column, eb(column as keyof Bump, '+', n!)])),
    )
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
}

/**
 * Add to a run's counters (attributes created, notes written): the counters of records written,
 * rejected and skipped move with their items instead, so they match the items after any crash.
 */
export function bumpCounts(db: Db, workspaceId: string, runId: string, by: Bump): Promise<void> {
  return bump(db, workspaceId, runId, by);
}

/** Drop the intent of a record write once its outcome is recorded (or the run ends without one). */
async function clearIntent(
  trx: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
  runId: string,
  key: string,
) {
  await trx
    .deleteFrom('push_run_items')
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId)
    .where('record_key', '=', key)
    .where('status', '=', PENDING)
    .execute();
}

/**
 * An item whose write was about to be sent: a process that dies with the request in flight leaves
 * it, and the process that resumes the run compares the record with the CRM to learn whether the
 * write landed (then records it without sending it again). Never shown as an item of the run.
 */
const PENDING = 'pending';

function toRun(row: PushRunsTable): PushRun {
  return {
    id: row.id,
    destination: row.destination,
    kind: row.kind as RunKind,
    status: row.status as RunStatus,
    trigger: row.trigger,
    actor: { type: row.actor_type, id: row.actor_id },
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    rollbackOf: row.rollback_of,
    rolledBackBy: row.rolled_back_by,
    counts: {
      planned: row.planned,
      created: row.created,
      updated: row.updated,
      unchanged: row.unchanged,
      rejected: row.rejected,
      skipped: row.skipped,
      notes: row.notes,
      writes: row.writes,
      attributesCreated: row.attributes_created,
    },
    error: row.error,
  };
}

/**
 * Open a run, holding the destination's lock: a second run for the same workspace and destination
 * is refused with 409 while one is active. A run whose heartbeat stopped is closed as interrupted.
 * The run opens queued (`heartbeat_at` null): the process that executes it claims it first
 * (`claimRun`), so two processes never execute one run.
 */
export async function openRun(
  db: Db,
  workspaceId: string,
  input: {
    destination: string;
    kind: RunKind;
    trigger: string;
    actor: { type: string; id: string | null };
    rollbackOf?: string;
    now: string;
  },
): Promise<string> {
  const id = newRunId();
  const row = {
    id,
    workspace_id: workspaceId,
    destination: input.destination,
    kind: input.kind,
    status: 'running',
    trigger: input.trigger,
    actor_type: input.actor.type,
    actor_id: input.actor.id,
    started_at: input.now,
    heartbeat_at: null,
    rollback_of: input.rollbackOf ?? null,
    active_lock: input.destination,
    planned: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    skipped: 0,
    notes: 0,
    writes: 0,
    attributes_created: 0,
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await db.insertInto('push_runs').values(row).execute();
      return id;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const active = await db
        .selectFrom('push_runs')
        .select(['id', 'heartbeat_at', 'started_at'])
        .where('workspace_id', '=', workspaceId)
        .where('active_lock', '=', input.destination)
        .executeTakeFirst();
      if (!active) continue;
      const queued = active.heartbeat_at === null;
      if (!leaseExpired(active.heartbeat_at, active.started_at, input.now)) {
        throw conflict(
          `A push to ${input.destination} is already ${queued ? 'queued' : 'running'} (run ${active.id}); wait for it to finish.`,
          { runId: active.id },
          'push_running',
        );
      }
      await finishRun(db, workspaceId, active.id, {
        status: 'failed',
        error: queued
          ? `Not started: no worker took it within ${QUEUED_RUN_MS / 60_000} minutes (is \`beton worker\` running, or \`beton serve\` without --no-worker?); a newer run replaced it.`
          : 'Interrupted: the process running it stopped. Nothing was lost; the next run picks up what is left.',
        now: input.now,
      });
    }
  }
  throw conflict(
    `A push to ${input.destination} is already running; wait for it to finish.`,
    undefined,
    'push_running',
  );
}

/**
 * Open runs no process has taken yet, or whose process stopped beating (the run lease's orphans,
 * src/runs), with the destination and kind a job needs.
 */
export function orphanedRuns(
  db: Db,
  now: Date,
): Promise<{ id: string; workspaceId: string; destination: string; kind: RunKind }[]> {
  return leaseOrphans(db, pushRunLease, { now, columns: ['destination', 'kind'] }) as Promise<
    { id: string; workspaceId: string; destination: string; kind: RunKind }[]
  >;
}

/**
 * Beat the run's heartbeat, setting the counters given. The counters of items (created, updated,
 * rejected, skipped) and `writes` move with the items: pass them only for a run that records none.
 */
export async function heartbeat(
  db: Db,
  workspaceId: string,
  runId: string,
  counts: Partial<PushRun['counts']>,
  now: string,
): Promise<void> {
  await db
    .updateTable('push_runs')
    .set({
      heartbeat_at: now,
      ...(counts.planned !== undefined ? { planned: counts.planned } : {}),
      ...(counts.created !== undefined ? { created: counts.created } : {}),
      ...(counts.updated !== undefined ? { updated: counts.updated } : {}),
      ...(counts.unchanged !== undefined ? { unchanged: counts.unchanged } : {}),
      ...(counts.rejected !== undefined ? { rejected: counts.rejected } : {}),
      ...(counts.skipped !== undefined ? { skipped: counts.skipped } : {}),
      ...(counts.notes !== undefined ? { notes: counts.notes } : {}),
      ...(counts.writes !== undefined ? { writes: counts.writes } : {}),
      ...(counts.attributesCreated !== undefined ? { attributes_created: counts.attributesCreated } : {}),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
}

export async function finishRun(
  db: Db,
  workspaceId: string,
  runId: string,
  input: { status: Exclude<RunStatus, 'running'>; error?: string | null; now: string },
): Promise<void> {
  const finish = async (trx: Kysely<DB>) => {
    const run = await trx
      .updateTable('push_runs')
      .set({ status: input.status, error: input.error ?? null, finished_at: input.now, active_lock: null })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', runId)
      .returningAll()
      .executeTakeFirst();
    // Announced in the same transaction (outbox): webhooks hear of every push run that finished.
    if (run?.kind === 'push') {
      await recordEvent(
        trx,
        {
          workspaceId,
          type: 'push.completed',
          subject: runId,
          payload: {
            runId,
            destination: run.destination,
            status: run.status,
            counts: {
              planned: run.planned,
              created: run.created,
              updated: run.updated,
              unchanged: run.unchanged,
              rejected: run.rejected,
              skipped: run.skipped,
            },
            error: run.error,
            startedAt: run.started_at,
            finishedAt: run.finished_at,
          },
        },
        new Date(input.now),
      );
    }
  };
  if (db.isTransaction) await finish(db);
  else await db.transaction().execute(finish);
}

export async function getRun(db: Db, workspaceId: string, runId: string): Promise<PushRun | undefined> {
  const row = await db
    .selectFrom('push_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .executeTakeFirst();
  return row ? toRun(row) : undefined;
}

/** Newest first; `before` is the `startedAt` of the last run of the previous page. */
export async function listRuns(
  db: Db,
  workspaceId: string,
  opts: { limit?: number; before?: string; destination?: string } = {},
): Promise<PushRun[]> {
  let q = db.selectFrom('push_runs').selectAll().where('workspace_id', '=', workspaceId);
  if (opts.destination) q = q.where('destination', '=', opts.destination);
  if (opts.before) q = q.where('started_at', '<', opts.before);
  const rows = await q
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 50)
    .execute();
  return rows.map(toRun);
}

export async function listRunItems(
  db: Db,
  workspaceId: string,
  runId: string,
  opts: { limit?: number; afterId?: number; status?: PushRunItem['status'] } = {},
): Promise<PushRunItem[]> {
  let q = db
    .selectFrom('push_run_items')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId);
  if (opts.afterId !== undefined) q = q.where('id', '>', opts.afterId);
  q = opts.status ? q.where('status', '=', opts.status) : q.where('status', '!=', PENDING);
  const rows = await q
    .orderBy('id')
    .limit(opts.limit ?? 1000)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    key: r.record_key,
    accountId: r.account_id,
    recordId: r.record_id,
    action: r.action,
    status: r.status as PushRunItem['status'],
    changes: fromJson<FieldChange[]>(r.changes_json, []),
    reason: r.reason,
    createdAt: r.created_at,
  }));
}

/** Written items of a run with the state each replaced: what a rollback needs. */
export async function writtenItemsWithPrevious(
  db: Db,
  workspaceId: string,
  runId: string,
): Promise<(PushRunItem & { previous: LastWrite | null })[]> {
  const rows = await db
    .selectFrom('push_run_items')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId)
    .where('status', '=', 'written')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    key: r.record_key,
    accountId: r.account_id,
    recordId: r.record_id,
    action: r.action,
    status: 'written' as const,
    changes: fromJson<FieldChange[]>(r.changes_json, []),
    reason: r.reason,
    createdAt: r.created_at,
    previous: fromJson<LastWrite | null>(r.prev_state_json, null),
  }));
}

/**
 * Record that a write to `key` is about to be sent (see `PENDING`). A key that already has an
 * intent in this run keeps it.
 */
export async function recordIntent(
  db: Db,
  workspaceId: string,
  input: {
    runId: string;
    key: string;
    accountId: string | null;
    recordId: string | null;
    action: string;
    changes: FieldChange[];
    now: string;
  },
): Promise<void> {
  await recordIntents(db, workspaceId, [input]);
}

/** The intents of one batch call: one multi-row insert per 100 (not a statement a record). */
export async function recordIntents(
  db: Db,
  workspaceId: string,
  inputs: readonly Parameters<typeof recordIntent>[2][],
): Promise<void> {
  for (let i = 0; i < inputs.length; i += 100) {
    await db
      .insertInto('push_run_items')
      .values(
        inputs.slice(i, i + 100).map((input) => ({
          workspace_id: workspaceId,
          run_id: input.runId,
          record_key: input.key,
          account_id: input.accountId,
          record_id: input.recordId,
          action: input.action,
          status: PENDING,
          changes_json: toJson(input.changes),
          prev_state_json: null,
          reason: null,
          created_at: input.now,
        })),
      )
      .execute();
  }
}

/** Where a run stands: keys with a recorded outcome, and writes sent whose outcome is unknown. */
export interface RunProgressState {
  /** Keys with a written item. */
  written: Set<string>;
  /** Keys with any recorded outcome (written, rejected, skipped). */
  done: Set<string>;
  /** Writes sent by a process that died before their outcome: action and changes, by key. */
  pending: Map<string, { action: string; changes: FieldChange[] }>;
}

/**
 * What a run has recorded so far (empty for a new run): what a resumed push or rollback skips,
 * and which writes it must check against the CRM before sending them again.
 */
export async function runProgress(db: Db, workspaceId: string, runId: string): Promise<RunProgressState> {
  const rows = await db
    .selectFrom('push_run_items')
    .select(['record_key', 'status', 'action', 'changes_json'])
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId)
    .execute();
  const state: RunProgressState = { written: new Set(), done: new Set(), pending: new Map() };
  for (const r of rows) {
    if (r.status === PENDING) {
      state.pending.set(r.record_key, {
        action: r.action,
        changes: fromJson<FieldChange[]>(r.changes_json, []),
      });
      continue;
    }
    state.done.add(r.record_key);
    if (r.status === 'written') state.written.add(r.record_key);
  }
  for (const key of state.done) state.pending.delete(key);
  return state;
}

/**
 * Keys restored by earlier rollbacks of `runId` (one that failed before it finished may be
 * followed by another): those records hold their earlier values already.
 */
export async function restoredByOtherRollbacks(
  db: Db,
  workspaceId: string,
  runId: string,
  exceptRollbackId: string,
): Promise<Set<string>> {
  const rows = await db
    .selectFrom('push_run_items')
    .innerJoin('push_runs', (j) =>
      j
        .onRef('push_runs.id', '=', 'push_run_items.run_id')
        .onRef('push_runs.workspace_id', '=', 'push_run_items.workspace_id'),
    )
    .select('push_run_items.record_key')
    .where('push_run_items.workspace_id', '=', workspaceId)
    .where('push_runs.rollback_of', '=', runId)
    .where('push_runs.id', '!=', exceptRollbackId)
    .where('push_run_items.status', '=', 'written')
    .execute();
  return new Set(rows.map((r) => r.record_key));
}

/** A run ends: intents still open (their records were not in its plan any more) are dropped. */
export async function clearIntents(db: Db, workspaceId: string, runId: string): Promise<void> {
  await db
    .deleteFrom('push_run_items')
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId)
    .where('status', '=', PENDING)
    .execute();
}

export async function loadLastWrites(
  db: Db,
  workspaceId: string,
  destination: string,
): Promise<Map<string, LastWrite>> {
  const rows = await db
    .selectFrom('push_state')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('destination', '=', destination)
    .execute();
  return new Map(
    rows.map((r) => [
      r.record_key,
      {
        key: r.record_key,
        accountId: r.account_id,
        recordId: r.record_id,
        hash: r.hash,
        values: fromJson<Record<string, PushValue>>(r.values_json, {}),
        runId: r.run_id,
        writtenAt: r.written_at,
      },
    ]),
  );
}

export async function loadOpenRejects(
  db: Db,
  workspaceId: string,
  destination: string,
): Promise<Map<string, { reason: string; attempts: number }>> {
  const rows = await db
    .selectFrom('push_rejects')
    .select(['record_key', 'reason', 'attempts'])
    .where('workspace_id', '=', workspaceId)
    .where('destination', '=', destination)
    .where('resolved_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.record_key, { reason: r.reason, attempts: r.attempts }]));
}

export async function loadNotedSignals(
  db: Db,
  workspaceId: string,
  destination: string,
): Promise<Set<string>> {
  const rows = await db
    .selectFrom('push_notes')
    .select('signal_id')
    .where('workspace_id', '=', workspaceId)
    .where('destination', '=', destination)
    .execute();
  return new Set(rows.map((r) => r.signal_id));
}

async function setState(
  trx: Transaction<DB>,
  workspaceId: string,
  destination: string,
  state: LastWrite,
): Promise<void> {
  const values = {
    account_id: state.accountId,
    record_id: state.recordId,
    hash: state.hash,
    values_json: toJson(state.values),
    run_id: state.runId,
    written_at: state.writtenAt,
  };
  await trx
    .insertInto('push_state')
    .values({ workspace_id: workspaceId, destination, record_key: state.key, ...values })
    .onConflict((oc) => oc.columns(['workspace_id', 'destination', 'record_key']).doUpdateSet(values))
    .execute();
}

/** One record write to record: its plan item, outcome and the "last successful write" it leaves. */
export interface RecordedWrite {
  destination: string;
  runId: string;
  item: PlanItem;
  action: string;
  recordId: string;
  changes: FieldChange[];
  state: LastWrite | null;
  now: string;
}

/**
 * A record was written: its run item, its new "last successful write" and the end of any open
 * reject, in one transaction (the batch path with a batch of one).
 */
export async function recordWritten(db: Db, workspaceId: string, input: RecordedWrite): Promise<void> {
  await recordWrittenMany(db, workspaceId, [input]);
}

/**
 * The writes of one batch call, recorded in one transaction (a destination that writes 100
 * records a call would otherwise spend a transaction per record).
 */
export async function recordWrittenMany(
  db: Db,
  workspaceId: string,
  inputs: readonly RecordedWrite[],
): Promise<void> {
  if (inputs.length === 0) return;
  const { runId, destination } = inputs[0]!;
  // A handful of statements for the whole batch (SQLite's variable limit: a few hundred rows a statement).
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < inputs.length; i += 100) {
      const chunk = inputs.slice(i, i + 100);
      const keys = chunk.map((input) => input.item.key);
      await trx
        .deleteFrom('push_run_items')
        .where('workspace_id', '=', workspaceId)
        .where('run_id', '=', runId)
        .where('record_key', 'in', keys)
        .where('status', '=', PENDING)
        .execute();
      await trx
        .insertInto('push_run_items')
        .values(
          chunk.map((input) => ({
            workspace_id: workspaceId,
            run_id: runId,
            record_key: input.item.key,
            account_id: input.item.accountId,
            record_id: input.recordId,
            action: input.action,
            status: 'written',
            changes_json: toJson(input.changes),
            prev_state_json: input.item.previous ? toJson(input.item.previous) : null,
            reason: null,
            created_at: input.now,
          })),
        )
        .execute();
      const states = chunk.flatMap((input) => (input.state ? [input.state] : []));
      if (states.length > 0) {
        await trx
          .insertInto('push_state')
          .values(
            states.map((state) => ({
              workspace_id: workspaceId,
              destination,
              record_key: state.key,
              account_id: state.accountId,
              record_id: state.recordId,
              hash: state.hash,
              values_json: toJson(state.values),
              run_id: state.runId,
              written_at: state.writtenAt,
            })),
          )
          .onConflict((oc) =>
            oc.columns(['workspace_id', 'destination', 'record_key']).doUpdateSet((eb) => ({
              account_id: eb.ref('excluded.account_id'),
              record_id: eb.ref('excluded.record_id'),
              hash: eb.ref('excluded.hash'),
              values_json: eb.ref('excluded.values_json'),
              run_id: eb.ref('excluded.run_id'),
              written_at: eb.ref('excluded.written_at'),
            })),
          )
          .execute();
      }
      const cleared = chunk.filter((input) => !input.state).map((input) => input.item.key);
      if (cleared.length > 0) {
        await trx
          .deleteFrom('push_state')
          .where('workspace_id', '=', workspaceId)
          .where('destination', '=', destination)
          .where('record_key', 'in', cleared)
          .execute();
      }
      const retried = chunk.filter((input) => input.item.retry).map((input) => input.item.key);
      if (retried.length > 0) {
        await trx
          .updateTable('push_rejects')
          .set({ resolved_at: chunk[0]!.now })
          .where('workspace_id', '=', workspaceId)
          .where('destination', '=', destination)
          .where('record_key', 'in', retried)
          .where('resolved_at', 'is', null)
          .execute();
      }
    }
    const created = inputs.filter((input) => input.action === 'create').length;
    await bump(trx, workspaceId, runId, {
      created,
      updated: inputs.length - created,
      writes: inputs.length,
    });
  });
}

/** A record could not be written: its run item and an open reject (attempts counted). */
export async function recordRejected(
  db: Db,
  workspaceId: string,
  input: {
    destination: string;
    runId: string;
    item: { key: string; accountId: string | null; recordId: string | null; changes: FieldChange[] };
    action: string;
    code: string;
    reason: string;
    now: string;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await clearIntent(trx, workspaceId, input.runId, input.item.key);
    await bump(trx, workspaceId, input.runId, { rejected: 1 });
    await trx
      .insertInto('push_run_items')
      .values({
        workspace_id: workspaceId,
        run_id: input.runId,
        record_key: input.item.key,
        account_id: input.item.accountId,
        record_id: input.item.recordId,
        action: input.action,
        status: 'rejected',
        changes_json: toJson(input.item.changes),
        prev_state_json: null,
        reason: input.reason,
        created_at: input.now,
      })
      .execute();
    const existing = await trx
      .selectFrom('push_rejects')
      .select(['attempts', 'resolved_at'])
      .where('workspace_id', '=', workspaceId)
      .where('destination', '=', input.destination)
      .where('record_key', '=', input.item.key)
      .executeTakeFirst();
    if (!existing) {
      await trx
        .insertInto('push_rejects')
        .values({
          workspace_id: workspaceId,
          destination: input.destination,
          record_key: input.item.key,
          account_id: input.item.accountId,
          run_id: input.runId,
          code: input.code,
          reason: input.reason,
          attempts: 1,
          first_seen_at: input.now,
          last_seen_at: input.now,
          resolved_at: null,
        })
        .execute();
      return;
    }
    await trx
      .updateTable('push_rejects')
      .set({
        run_id: input.runId,
        code: input.code,
        reason: input.reason,
        attempts: existing.resolved_at ? 1 : existing.attempts + 1,
        last_seen_at: input.now,
        ...(existing.resolved_at ? { first_seen_at: input.now } : {}),
        resolved_at: null,
      })
      .where('workspace_id', '=', workspaceId)
      .where('destination', '=', input.destination)
      .where('record_key', '=', input.item.key)
      .execute();
  });
}

/** A restored record: the rollback run's item and the state it returns to, in one transaction. */
export async function recordRestored(
  db: Db,
  workspaceId: string,
  input: {
    destination: string;
    runId: string;
    key: string;
    accountId: string | null;
    recordId: string | null;
    changes: FieldChange[];
    skipped: { attribute: string; reason: string }[];
    previous: LastWrite | null;
    /** The run being rolled back. */
    rolledBackRunId: string;
    now: string;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await clearIntent(trx, workspaceId, input.runId, input.key);
    await bump(
      trx,
      workspaceId,
      input.runId,
      input.changes.length > 0 ? { updated: 1, writes: 1 } : { skipped: 1 },
    );
    await trx
      .insertInto('push_run_items')
      .values({
        workspace_id: workspaceId,
        run_id: input.runId,
        record_key: input.key,
        account_id: input.accountId,
        record_id: input.recordId,
        action: 'restore',
        status: input.changes.length > 0 ? 'written' : 'skipped',
        changes_json: toJson(input.changes),
        prev_state_json: null,
        reason: input.skipped.length
          ? input.skipped.map((s) => `${s.attribute}: ${s.reason}`).join('; ')
          : null,
        created_at: input.now,
      })
      .execute();
    // Only when the rolled-back run still holds the record's last write: a later run's state stays.
    const current = await trx
      .selectFrom('push_state')
      .select('run_id')
      .where('workspace_id', '=', workspaceId)
      .where('destination', '=', input.destination)
      .where('record_key', '=', input.key)
      .executeTakeFirst();
    if (current?.run_id !== input.rolledBackRunId) return;
    if (input.previous) await setState(trx, workspaceId, input.destination, input.previous);
    else {
      await trx
        .deleteFrom('push_state')
        .where('workspace_id', '=', workspaceId)
        .where('destination', '=', input.destination)
        .where('record_key', '=', input.key)
        .execute();
    }
  });
}

/** The record already holds what Beton wants (nothing to write): remember it as the last write. */
export async function recordInSync(
  db: Db,
  workspaceId: string,
  input: { destination: string; state: LastWrite; now: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await setState(trx, workspaceId, input.destination, input.state);
    await trx
      .updateTable('push_rejects')
      .set({ resolved_at: input.now })
      .where('workspace_id', '=', workspaceId)
      .where('destination', '=', input.destination)
      .where('record_key', '=', input.state.key)
      .where('resolved_at', 'is', null)
      .execute();
  });
}

export async function recordNote(
  db: Db,
  workspaceId: string,
  input: { destination: string; signalId: string; key: string; noteId: string; runId: string; now: string },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await bump(trx, workspaceId, input.runId, { notes: 1, writes: 1 });
    await trx
      .insertInto('push_notes')
      .values({
        workspace_id: workspaceId,
        destination: input.destination,
        signal_id: input.signalId,
        record_key: input.key,
        note_id: input.noteId,
        run_id: input.runId,
        created_at: input.now,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'destination', 'signal_id']).doNothing())
      .execute();
  });
}

/**
 * Mark a run as undone by `rollbackRunId`; false when another rollback got there first. With
 * `replacing`, the new rollback takes the place of a failed one.
 */
export async function markRolledBack(
  db: Db,
  workspaceId: string,
  runId: string,
  rollbackRunId: string,
  /** A failed rollback this one takes over from (it must still be the run's mark). */
  replacing?: string,
): Promise<boolean> {
  const res = await db
    .updateTable('push_runs')
    .set({ rolled_back_by: rollbackRunId })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .where((eb) => (replacing ? eb('rolled_back_by', '=', replacing) : eb('rolled_back_by', 'is', null)))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Open rejects of keys a run no longer pushes (account gone, or now under another domain) end. */
export async function resolveRejectsExcept(
  db: Db,
  workspaceId: string,
  destination: string,
  keys: ReadonlySet<string>,
  now: string,
): Promise<void> {
  const open = await loadOpenRejects(db, workspaceId, destination);
  const gone = [...open.keys()].filter((k) => !keys.has(k));
  for (let i = 0; i < gone.length; i += 500) {
    await db
      .updateTable('push_rejects')
      .set({ resolved_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('destination', '=', destination)
      .where('record_key', 'in', gone.slice(i, i + 500))
      .where('resolved_at', 'is', null)
      .execute();
  }
}

/** Open rejects, newest first (the API and the CLI show them). */
export async function listOpenRejects(db: Db, workspaceId: string, destination: string, limit = 100) {
  const rows = await db
    .selectFrom('push_rejects')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('destination', '=', destination)
    .where('resolved_at', 'is', null)
    .orderBy('last_seen_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    key: r.record_key,
    accountId: r.account_id,
    code: r.code,
    reason: r.reason,
    attempts: r.attempts,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    runId: r.run_id,
  }));
}
