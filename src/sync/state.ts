import type { Kysely, Selectable, Transaction } from 'kysely';
import { preparedStatement } from '../db/bulk.js';
import { sqliteHandleOf } from '../db/dialect.js';
import type { DB, SyncStateTable } from '../db/schema/index.js';

export type StreamStateRow = Selectable<SyncStateTable>;
type Queryable = Kysely<DB> | Transaction<DB>;

export interface StreamKey {
  workspaceId: string;
  connectionId: string;
  integration: string;
  stream: string;
}

/** The committed position of one stream of one connection, or undefined before its first run. */
export async function readStreamState(db: Queryable, key: StreamKey): Promise<StreamStateRow | undefined> {
  return db
    .selectFrom('sync_state')
    .selectAll()
    .where('workspace_id', '=', key.workspaceId)
    .where('connection_id', '=', key.connectionId)
    .where('stream', '=', key.stream)
    .executeTakeFirst();
}

const UPSERT_STATE = `INSERT INTO sync_state (workspace_id, connection_id, integration, stream, state_json, pass,
    pass_started_at, last_success_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (workspace_id, connection_id, stream) DO UPDATE SET state_json = excluded.state_json,
    pass = excluded.pass, pass_started_at = excluded.pass_started_at, last_success_at = excluded.last_success_at,
    updated_at = excluded.updated_at`;

/**
 * Insert or replace the stream's position (called inside the page's transaction). On SQLite inside
 * a transaction, one statement prepared once: it runs after every page.
 */
export async function writeStreamState(
  db: Queryable,
  key: StreamKey,
  values: Pick<StreamStateRow, 'state_json' | 'pass' | 'pass_started_at' | 'last_success_at' | 'updated_at'>,
): Promise<void> {
  const sqlite = db.isTransaction ? sqliteHandleOf(db) : undefined;
  if (sqlite) {
    preparedStatement(sqlite, UPSERT_STATE).run(
      key.workspaceId,
      key.connectionId,
      key.integration,
      key.stream,
      values.state_json,
      values.pass,
      values.pass_started_at,
      values.last_success_at,
      values.updated_at,
    );
    return;
  }
  await db
    .insertInto('sync_state')
    .values({
      workspace_id: key.workspaceId,
      connection_id: key.connectionId,
      integration: key.integration,
      stream: key.stream,
      ...values,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'connection_id', 'stream']).doUpdateSet(values))
    .execute();
}

/** Sync states of a connection (for `beton runs` and the API's stream list). */
export async function listStreamStates(
  db: Queryable,
  workspaceId: string,
  connectionId: string,
): Promise<StreamStateRow[]> {
  return db
    .selectFrom('sync_state')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('connection_id', '=', connectionId)
    .execute();
}
