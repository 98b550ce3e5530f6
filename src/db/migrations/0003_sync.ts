import { type Kysely, sql } from 'kysely';
import { autoIncrementId, autoIncrementType } from './util.js';

/**
 * Synced data and its bookkeeping: `records` (one row per workspace × integration × stream ×
 * external id), the resumable cursor per stream, the run log with per-record rejects, and the
 * "one active run per connection" rule as a unique partial index, so it holds across processes on
 * both dialects (a run whose process died is expired by its heartbeat before a new one starts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('records')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('synced_at', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  // Also the index for reading a stream in external-id order (keyset batches).
  await db.schema
    .createIndex('records_identity')
    .on('records')
    .columns(['workspace_id', 'integration', 'stream', 'external_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('records_changed')
    .on('records')
    .columns(['workspace_id', 'integration', 'stream', 'changed_at'])
    .execute();

  await db.schema
    .createTable('sync_state')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('state_json', 'text')
    .addColumn('pass', 'text', (c) => c.notNull())
    .addColumn('pass_started_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('sync_state_pk', ['workspace_id', 'connection_id', 'stream'])
    .execute();

  await db.schema
    .createTable('sync_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('full_refresh', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('requested_streams_json', 'text')
    .addColumn('streams_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('pages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_written', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('records_rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('current_stream', 'text')
    .addColumn('error', 'text')
    .addColumn('error_code', 'text')
    .addColumn('warnings_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('cancel_requested_at', 'text')
    .execute();
  await db.schema
    .createIndex('sync_runs_workspace_time')
    .on('sync_runs')
    .columns(['workspace_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('sync_runs_connection_time')
    .on('sync_runs')
    .columns(['workspace_id', 'connection_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('sync_runs_one_active')
    .on('sync_runs')
    .column('connection_id')
    .unique()
    .where(sql.ref('status'), 'in', sql`('queued', 'running')`)
    .execute();

  await db.schema
    .createTable('sync_rejects')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('payload_excerpt', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sync_rejects_run')
    .on('sync_rejects')
    .columns(['workspace_id', 'run_id'])
    .execute();
}
