import type { Kysely, Selectable, Transaction } from 'kysely';
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

/** Insert or replace the stream's position (called inside the page's transaction). */
export async function writeStreamState(
  db: Queryable,
  key: StreamKey,
  values: Pick<StreamStateRow, 'state_json' | 'pass' | 'pass_started_at' | 'last_success_at' | 'updated_at'>,
): Promise<void> {
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
