import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB, WriteBatch } from '../db/index.js';
import { isSqliteDb, OUTBOX_CHANNEL, startEventWrite } from './record.js';

/**
 * `signal.opened` and `signal.closed` for a batch of occurrence writes, as INSERT … SELECT over
 * the rows just written in the same transaction: the score run's inserts carry no ids back, and
 * reading the rows here costs one indexed statement per batch instead of a round trip per row.
 */
export interface OccurrenceChanges {
  workspaceId: string;
  runId: string | null;
  /** The run's time: new occurrences were first and last seen then. */
  at: string;
  /** Accounts that got new occurrences in this batch. */
  insertedFor: readonly string[];
  /** Closed occurrences that opened again. */
  reopenedIds: readonly number[];
  closedIds: readonly number[];
}

const LIST_CHUNK = 500;
const chunked = <T>(items: readonly T[]) => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += LIST_CHUNK) out.push(items.slice(i, i + LIST_CHUNK));
  return out;
};

const FIELDS = [
  ['occurrenceId', 'id'],
  ['accountId', 'account_id'],
  ['signalKey', 'signal_key'],
  ['strength', 'strength'],
  ['explanation', 'explanation'],
  ['firstSeenAt', 'first_seen_at'],
  ['lastSeenAt', 'last_seen_at'],
] as const;

/** The payload as a JSON object built by the database (json_object on SQLite, json_build_object on Postgres). */
const payloadSql = (sqlite: boolean, reopened: boolean) => {
  const pairs = FIELDS.map(([name, column]) => `'${name}', ${column}`).join(', ');
  return sqlite
    ? `json_object(${pairs}, 'reopened', json('${reopened}'))`
    : `json_build_object(${pairs}, 'reopened', ${reopened})::text`;
};

const insertHead = (sqlite: boolean, type: string, reopened: boolean) =>
  `insert into outbox_events (workspace_id, type, subject, payload_json, created_at)
   select workspace_id, '${type}', cast(id as text), ${payloadSql(sqlite, reopened)}, ? from signal_occurrences`;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The statements as SQLite text and rows, for the score run's BackgroundWriter batch. */
export function occurrenceEventWrites(c: OccurrenceChanges): WriteBatch {
  const out: WriteBatch = [];
  for (const accounts of chunked(c.insertedFor)) {
    out.push({
      sql: `${insertHead(true, 'signal.opened', false)}
        where workspace_id = ? and last_seen_at = ? and first_seen_at = ? and open = 1
          and run_id is ? and account_id in (${marks(accounts.length)})`,
      rows: [[c.at, c.workspaceId, c.at, c.at, c.runId, ...accounts]],
      notify: OUTBOX_CHANNEL,
    });
  }
  for (const [ids, type, reopened] of [
    ...chunked(c.reopenedIds).map((ids) => [ids, 'signal.opened', true] as const),
    ...chunked(c.closedIds).map((ids) => [ids, 'signal.closed', false] as const),
  ]) {
    out.push({
      sql: `${insertHead(true, type, reopened)} where workspace_id = ? and id in (${marks(ids.length)})`,
      rows: [[c.at, c.workspaceId, ...ids]],
      notify: OUTBOX_CHANNEL,
    });
  }
  return out;
}

/**
 * Record the events of a batch of occurrence writes in the caller's transaction (either dialect).
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await insertOccurrences(trx, ws, plan.inserts, runId);
 *   await recordOccurrenceEvents(trx, { workspaceId: ws, runId, at, insertedFor, reopenedIds, closedIds });
 * });
 */
export async function recordOccurrenceEvents(trx: Kysely<DB>, c: OccurrenceChanges): Promise<void> {
  if (c.insertedFor.length + c.reopenedIds.length + c.closedIds.length === 0) return;
  const sqlite = isSqliteDb(trx);
  await startEventWrite(trx);
  const head = (type: string, reopened: boolean): RawBuilder<unknown> =>
    sql`insert into outbox_events (workspace_id, type, subject, payload_json, created_at)
      select workspace_id, ${sql.lit(type)}, cast(id as text), ${sql.raw(payloadSql(sqlite, reopened))}, ${c.at}
      from signal_occurrences`;
  for (const accounts of chunked(c.insertedFor)) {
    const run = c.runId === null ? sql`run_id is null` : sql`run_id = ${c.runId}`;
    await sql`${head('signal.opened', false)}
      where workspace_id = ${c.workspaceId} and last_seen_at = ${c.at} and first_seen_at = ${c.at}
        and open = 1 and ${run} and account_id in (${sql.join(accounts)})`.execute(trx);
  }
  for (const ids of chunked(c.reopenedIds)) {
    await sql`${head('signal.opened', true)}
      where workspace_id = ${c.workspaceId} and id in (${sql.join(ids)})`.execute(trx);
  }
  for (const ids of chunked(c.closedIds)) {
    await sql`${head('signal.closed', false)}
      where workspace_id = ${c.workspaceId} and id in (${sql.join(ids)})`.execute(trx);
  }
}
