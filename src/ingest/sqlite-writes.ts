import type BetterSqlite3 from 'better-sqlite3';
import { preparedStatement } from '../db/bulk.js';

/**
 * The ingest's writes on SQLite as prepared statements on the handle under Kysely (from the shared
 * `preparedStatement` cache; they join the Kysely transaction open on it): one short statement per
 * message id and per record instead of a multi-row statement Kysely builds anew for each request.
 */

/**
 * Record message ids; answers the ids that were new (the rest were seen on the connection before).
 *
 * @example const fresh = claimIdsSqlite(db, ws, connectionId, ['m1', 'm2'], now);
 */
export function claimIdsSqlite(
  db: BetterSqlite3.Database,
  workspaceId: string,
  connectionId: string,
  ids: readonly string[],
  at: string,
): Set<string> {
  const insert = preparedStatement(
    db,
    'INSERT INTO ingest_messages (workspace_id, connection_id, message_id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const fresh = new Set<string>();
  for (const id of ids) if (insert.run(workspaceId, connectionId, id, at).changes === 1) fresh.add(id);
  return fresh;
}

export interface RecordRow {
  stream: string;
  externalId: string;
  json: string;
  hash: string;
}

const COLUMNS =
  'workspace_id, connection_id, integration, stream, external_id, payload_json, payload_hash, first_seen_at, synced_at, changed_at, deleted_at';

/** Upsert whole records (payload replaced). */
export function upsertRecordsSqlite(
  db: BetterSqlite3.Database,
  owner: { workspaceId: string; connectionId: string; integration: string },
  rows: readonly RecordRow[],
  now: string,
): void {
  const upsert = preparedStatement(
    db,
    `INSERT INTO records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (workspace_id, integration, stream, external_id) DO UPDATE SET
         connection_id = excluded.connection_id, payload_json = excluded.payload_json,
         payload_hash = excluded.payload_hash, synced_at = excluded.synced_at,
         changed_at = excluded.changed_at, deleted_at = NULL`,
  );
  for (const r of rows) {
    upsert.run(
      owner.workspaceId,
      owner.connectionId,
      owner.integration,
      r.stream,
      r.externalId,
      r.json,
      r.hash,
      now,
      now,
      now,
    );
  }
}

/** Insert records or grow their numeric `field` by the new row's (`field` is a checked identifier). */
export function incrementRecordsSqlite(
  db: BetterSqlite3.Database,
  owner: { workspaceId: string; connectionId: string; integration: string },
  field: string,
  rows: readonly RecordRow[],
  now: string,
): void {
  const path = `$.${field}`;
  const grow = preparedStatement(
    db,
    `INSERT INTO records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (workspace_id, integration, stream, external_id) DO UPDATE SET
         payload_json = json_set(records.payload_json, '${path}', coalesce(json_extract(records.payload_json, '${path}'), 0) + json_extract(excluded.payload_json, '${path}')),
         payload_hash = excluded.payload_hash, synced_at = excluded.synced_at,
         changed_at = excluded.changed_at, deleted_at = NULL`,
  );
  for (const r of rows) {
    grow.run(
      owner.workspaceId,
      owner.connectionId,
      owner.integration,
      r.stream,
      r.externalId,
      r.json,
      r.hash,
      now,
      now,
      now,
    );
  }
}
