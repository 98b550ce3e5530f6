import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Db } from '../db/dialect.js';
import { fromJson } from '../db/json.js';
import type { DB } from '../db/schema/index.js';

/** Repository functions take the runtime's `Db` or a Kysely instance (or transaction). */
export type Queryable = Db | Kysely<DB>;
const kyselyOf = (db: Queryable): Kysely<DB> => ('kysely' in db ? db.kysely : db);

/** A stored record as downstream code sees it: the payload parsed, typed by the caller. */
export interface StoredRecord<T = unknown> {
  externalId: string;
  connectionId: string;
  integration: string;
  stream: string;
  payload: T;
  firstSeenAt: string;
  syncedAt: string;
  changedAt: string;
  deletedAt: string | null;
}

export interface RecordQuery {
  integration: string;
  stream: string;
  /** Only records whose payload or deleted mark changed at or after this ISO time. */
  since?: string;
  /** Include records the source deleted (default false). */
  includeDeleted?: boolean;
  /** Rows per batch (default 1000). */
  batchSize?: number;
}

/** sha-1 of a payload's JSON: equal payloads, equal hashes; used to count unchanged records. */
export const payloadHash = (json: string): string => createHash('sha1').update(json).digest('hex');

/**
 * Read one stream's records in batches, in external-id order, without holding the stream in memory.
 * The type parameter is the stream's record type (`StreamRecord<typeof stripe, 'customers'>`).
 *
 * @example
 * for await (const batch of listRecords<StripeCustomer>(db, ws, { integration: 'stripe', stream: 'customers' })) {
 *   for (const r of batch) console.log(r.externalId, r.payload.email);
 * }
 */
export async function* listRecords<T = unknown>(
  db: Queryable,
  workspaceId: string,
  query: RecordQuery,
): AsyncGenerator<StoredRecord<T>[]> {
  const size = query.batchSize ?? 1000;
  let after: string | undefined;
  for (;;) {
    let q = kyselyOf(db)
      .selectFrom('records')
      .select([
        'external_id',
        'connection_id',
        'integration',
        'stream',
        'payload_json',
        'first_seen_at',
        'synced_at',
        'changed_at',
        'deleted_at',
      ])
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', query.integration)
      .where('stream', '=', query.stream);
    if (after !== undefined) q = q.where('external_id', '>', after);
    if (query.since) q = q.where('changed_at', '>=', query.since);
    if (!query.includeDeleted) q = q.where('deleted_at', 'is', null);
    const rows = await q.orderBy('external_id').limit(size).execute();
    if (rows.length === 0) return;
    yield rows.map(toStored<T>);
    if (rows.length < size) return;
    after = rows[rows.length - 1]!.external_id;
  }
}

/** Every record of a stream in one array: for small streams only (group types, prices). */
export async function allRecords<T = unknown>(
  db: Queryable,
  workspaceId: string,
  query: RecordQuery,
): Promise<StoredRecord<T>[]> {
  const out: StoredRecord<T>[] = [];
  for await (const batch of listRecords<T>(db, workspaceId, query)) out.push(...batch);
  return out;
}

/** One record by its external id, or undefined. Deleted records are returned (check `deletedAt`). */
export async function getRecord<T = unknown>(
  db: Queryable,
  workspaceId: string,
  ref: { integration: string; stream: string; externalId: string },
): Promise<StoredRecord<T> | undefined> {
  const row = await kyselyOf(db)
    .selectFrom('records')
    .select([
      'external_id',
      'connection_id',
      'integration',
      'stream',
      'payload_json',
      'first_seen_at',
      'synced_at',
      'changed_at',
      'deleted_at',
    ])
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', ref.integration)
    .where('stream', '=', ref.stream)
    .where('external_id', '=', ref.externalId)
    .executeTakeFirst();
  return row ? toStored<T>(row) : undefined;
}

/** Live (not deleted) records of a stream. */
export async function countRecords(
  db: Queryable,
  workspaceId: string,
  ref: { integration: string; stream: string; includeDeleted?: boolean },
): Promise<number> {
  let q = kyselyOf(db)
    .selectFrom('records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', ref.integration)
    .where('stream', '=', ref.stream);
  if (!ref.includeDeleted) q = q.where('deleted_at', 'is', null);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Upsert a record outside a sync run (webhooks: a signed Stripe event carries the object). Returns
 * whether the payload changed. The next sync's hash comparison sees it as unchanged.
 *
 * @example
 * await upsertRecord(db, ws, { connectionId, integration: 'stripe', stream: 'customers', externalId: 'cus_1', payload, now });
 */
export async function upsertRecord(
  db: Queryable,
  workspaceId: string,
  input: {
    connectionId: string;
    integration: string;
    stream: string;
    externalId: string;
    payload: unknown;
    now: string;
    deleted?: boolean;
  },
): Promise<{ changed: boolean }> {
  const json = JSON.stringify(input.payload);
  const hash = payloadHash(json);
  const deletedAt = input.deleted ? input.now : null;
  const result = await kyselyOf(db)
    .insertInto('records')
    .values({
      workspace_id: workspaceId,
      connection_id: input.connectionId,
      integration: input.integration,
      stream: input.stream,
      external_id: input.externalId,
      payload_json: json,
      payload_hash: hash,
      first_seen_at: input.now,
      synced_at: input.now,
      changed_at: input.now,
      deleted_at: deletedAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'integration', 'stream', 'external_id'])
        .doUpdateSet({
          connection_id: input.connectionId,
          payload_json: json,
          payload_hash: hash,
          synced_at: input.now,
          changed_at: input.now,
          deleted_at: deletedAt,
        })
        .where((eb) =>
          eb.or([
            eb('records.payload_hash', '!=', hash),
            input.deleted ? eb('records.deleted_at', 'is', null) : eb('records.deleted_at', 'is not', null),
          ]),
        ),
    )
    .executeTakeFirst();
  return { changed: Number(result.numInsertedOrUpdatedRows ?? 0) > 0 };
}

function toStored<T>(row: {
  external_id: string;
  connection_id: string;
  integration: string;
  stream: string;
  payload_json: string;
  first_seen_at: string;
  synced_at: string;
  changed_at: string;
  deleted_at: string | null;
}): StoredRecord<T> {
  return {
    externalId: row.external_id,
    connectionId: row.connection_id,
    integration: row.integration,
    stream: row.stream,
    payload: fromJson<T>(row.payload_json, null as T),
    firstSeenAt: row.first_seen_at,
    syncedAt: row.synced_at,
    changedAt: row.changed_at,
    deletedAt: row.deleted_at,
  };
}
