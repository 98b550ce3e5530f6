import { type Kysely, SqliteAdapter, sql } from 'kysely';
// The commit signal comes from the dialect module, as src/sync takes its SQLite handle from it.
import { notifyOnCommit } from '../db/dialect.js';
import type { DB, WriteBatch } from '../db/index.js';
import { insertRows, insertStatement, valuesOf } from '../db/index.js';
import type { NewOutboxEvent } from './events.js';

/**
 * Writing events. On Postgres, identity values are handed out before commit, so a transaction
 * holding id 9 can commit after one holding id 10; a consumer that read 10 and moved past would
 * never see 9. Every writer therefore holds a shared advisory lock for the rest of its transaction,
 * and a consumer takes the same lock exclusively for an instant to learn the highest id that no
 * open transaction can still fill in below (consume.ts). SQLite has one writer at a time: ids are
 * handed out in commit order and no lock is needed.
 */

/** The advisory lock key of the outbox on Postgres (any constant both sides agree on). */
export const OUTBOX_LOCK_KEY = 0x0b0e_0019;

/**
 * The channel a commit that wrote events signals (`Db.listen(OUTBOX_CHANNEL, …)`), so consumers
 * read the outbox as soon as there is something in it rather than at their next poll.
 */
export const OUTBOX_CHANNEL = 'beton_outbox';

export const isSqliteDb = (db: Kysely<DB>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** Hold the writers' shared lock until the transaction ends (Postgres; a no-op on SQLite). */
export async function holdWriterLock(trx: Kysely<DB>): Promise<void> {
  if (isSqliteDb(trx)) return;
  await sql`select pg_advisory_xact_lock_shared(${OUTBOX_LOCK_KEY})`.execute(trx);
}

/** Before a transaction writes events: hold the writers' lock, and signal the outbox at commit. */
export async function startEventWrite(trx: Kysely<DB>): Promise<void> {
  await holdWriterLock(trx);
  await notifyOnCommit(trx, OUTBOX_CHANNEL);
}

const eventRow = (e: NewOutboxEvent, createdAt: string) => ({
  workspace_id: e.workspaceId,
  type: e.type,
  subject: e.subject,
  payload_json: JSON.stringify(e.payload),
  created_at: createdAt,
});

/**
 * Record one event in the caller's transaction (pass the transaction: an event written outside
 * the change it describes can be lost or describe something that never happened).
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await trx.updateTable('push_runs').set({ status: 'succeeded' }).where('id', '=', runId).execute();
 *   await recordEvent(trx, { workspaceId, type: 'push.completed', subject: runId, payload: { runId, counts } });
 * });
 */
export async function recordEvent(db: Kysely<DB>, event: NewOutboxEvent, now = new Date()): Promise<void> {
  await recordEvents(db, [event], now);
}

/** Record many events with one prepared statement (SQLite) or multi-row inserts (Postgres). */
export async function recordEvents(
  db: Kysely<DB>,
  events: readonly NewOutboxEvent[],
  now = new Date(),
): Promise<void> {
  if (events.length === 0) return;
  if (!db.isTransaction) {
    await db.transaction().execute((trx) => recordEvents(trx, events, now));
    return;
  }
  await startEventWrite(db);
  const at = now.toISOString();
  await insertRows(
    db,
    'outbox_events',
    events.map((e) => eventRow(e, at)),
  );
}

const EVENT_COLUMNS = ['workspace_id', 'type', 'subject', 'payload_json', 'created_at'] as const;

/**
 * The same events as a statement for a SQLite BackgroundWriter batch (joins its transaction; the
 * outbox is signalled when the batch commits).
 */
export function eventWrites(events: readonly NewOutboxEvent[], now = new Date()): WriteBatch {
  if (events.length === 0) return [];
  const at = now.toISOString();
  return [
    {
      sql: insertStatement('outbox_events', EVENT_COLUMNS),
      rows: valuesOf(
        events.map((e) => eventRow(e, at)),
        EVENT_COLUMNS,
      ),
      notify: OUTBOX_CHANNEL,
    },
  ];
}
