import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/index.js';
import type { OutboxEvent, OutboxEventType } from './events.js';
import { isSqliteDb, OUTBOX_LOCK_KEY } from './record.js';

/**
 * Reading the outbox: each consumer (alerts, webhooks) has a cursor, the id of the last event it
 * handled. A batch is read, handled and the cursor moved in ONE transaction, so a crash before the
 * commit leaves the cursor where it was (the batch is read again) and one after it never repeats.
 * The cursor row is locked for the transaction, so several workers take batches in turn and no
 * event reaches two of them.
 */

export interface ConsumeOptions {
  /** Events per batch (default 500). */
  limit?: number;
  /** Only these types reach the handler; the cursor still moves past the others. */
  types?: readonly OutboxEventType[];
}

/**
 * The highest id below which every event is committed (Postgres: writers hold a shared advisory
 * lock until they commit, see record.ts; waiting for the exclusive one outlasts them all).
 */
async function safeHighWater(db: Kysely<DB>): Promise<number | null> {
  if (isSqliteDb(db)) return null;
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${OUTBOX_LOCK_KEY})`.execute(trx);
    const row = await trx
      .selectFrom('outbox_events')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst();
    return Number(row?.max ?? 0);
  });
}

const toEvent = (r: {
  id: number;
  workspace_id: string;
  type: string;
  subject: string;
  payload_json: string;
  created_at: string;
}): OutboxEvent => ({
  id: Number(r.id),
  workspaceId: r.workspace_id,
  type: r.type as OutboxEventType,
  subject: r.subject,
  payload: JSON.parse(r.payload_json) as Record<string, unknown>,
  createdAt: r.created_at,
});

/**
 * Handle the next batch of events after the consumer's cursor, and move the cursor past it, in one
 * transaction. The handler writes through `trx` (its writes commit with the cursor). Returns how
 * many events were read (0: nothing new); call again while it returns the full `limit`.
 *
 * @example
 * while ((await consumeOutbox(db, 'webhooks', async (events, trx) => {
 *   for (const e of events) await queueDeliveries(trx, e);
 * }, { types: ['signal.opened'] })) > 0) {}
 */
export async function consumeOutbox(
  db: Kysely<DB>,
  consumer: string,
  handle: (events: OutboxEvent[], trx: Kysely<DB>) => Promise<void>,
  options: ConsumeOptions = {},
): Promise<number> {
  const limit = options.limit ?? 500;
  const highWater = await safeHighWater(db);
  return db.transaction().execute(async (trx) => {
    const now = new Date().toISOString();
    await trx
      .insertInto('outbox_cursors')
      .values({ consumer, last_id: 0, updated_at: now })
      .onConflict((oc) => oc.column('consumer').doNothing())
      .execute();
    // Lock the cursor: other workers of this consumer wait here until this batch commits.
    const cursor = isSqliteDb(trx)
      ? await trx
          .updateTable('outbox_cursors')
          .set({ updated_at: now })
          .where('consumer', '=', consumer)
          .returning('last_id')
          .executeTakeFirstOrThrow()
      : await trx
          .selectFrom('outbox_cursors')
          .select('last_id')
          .where('consumer', '=', consumer)
          .forUpdate()
          .executeTakeFirstOrThrow();
    let q = trx
      .selectFrom('outbox_events')
      .selectAll()
      .where('id', '>', Number(cursor.last_id))
      .orderBy('id')
      .limit(limit);
    if (highWater !== null) q = q.where('id', '<=', highWater);
    const rows = await q.execute();
    if (rows.length === 0) return 0;
    const events = rows.map(toEvent);
    const wanted = options.types ? events.filter((e) => options.types!.includes(e.type)) : events;
    if (wanted.length > 0) await handle(wanted, trx);
    await trx
      .updateTable('outbox_cursors')
      .set({ last_id: events[events.length - 1]!.id, updated_at: now })
      .where('consumer', '=', consumer)
      .execute();
    return rows.length;
  });
}

/** Handle every event available now, batch after batch. Returns how many were read. */
export async function drainOutbox(
  db: Kysely<DB>,
  consumer: string,
  handle: (events: OutboxEvent[], trx: Kysely<DB>) => Promise<void>,
  options: ConsumeOptions = {},
): Promise<number> {
  const limit = options.limit ?? 500;
  let total = 0;
  for (;;) {
    const n = await consumeOutbox(db, consumer, handle, { ...options, limit });
    total += n;
    if (n < limit) return total;
  }
}

/** Where a consumer stands: its cursor and how many events wait after it. */
export async function outboxPosition(db: Kysely<DB>, consumer: string) {
  const cursor = await db
    .selectFrom('outbox_cursors')
    .select('last_id')
    .where('consumer', '=', consumer)
    .executeTakeFirst();
  const lastId = Number(cursor?.last_id ?? 0);
  const waiting = await db
    .selectFrom('outbox_events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('id', '>', lastId)
    .executeTakeFirst();
  return { lastId, waiting: Number(waiting?.n ?? 0) };
}

/**
 * A workspace's events, newest first (for history views and tests).
 *
 * @example await listOutboxEvents(db, ws, { types: ['signal.opened'], limit: 50 })
 */
export async function listOutboxEvents(
  db: Kysely<DB>,
  workspaceId: string,
  options: { types?: readonly OutboxEventType[]; afterId?: number; limit?: number } = {},
): Promise<OutboxEvent[]> {
  let q = db
    .selectFrom('outbox_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100);
  if (options.types?.length) q = q.where('type', 'in', [...options.types]);
  if (options.afterId !== undefined) q = q.where('id', '>', options.afterId);
  return (await q.execute()).map(toEvent);
}
