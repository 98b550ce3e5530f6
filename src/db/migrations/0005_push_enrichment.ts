import type { Kysely } from 'kysely';
import { autoIncrementId, autoIncrementType } from './util.js';

/**
 * Enrichment (Apollo cache, monthly credit usage, runs) and the push pipeline (runs, per-record
 * items with before/after for rollback, the last successful write per record, open rejects, notes).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('enrichment_cache')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('found', 'integer', (c) => c.notNull())
    .addColumn('organization_json', 'text')
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .addPrimaryKeyConstraint('enrichment_cache_pk', ['workspace_id', 'domain'])
    .execute();

  await db.schema
    .createTable('enrichment_usage')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('credits', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('calls', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('enrichment_usage_pk', ['workspace_id', 'month'])
    .execute();

  await db.schema
    .createTable('enrichment_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text')
    .addColumn('domains_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('domains_fresh', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('domains_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('calls', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('credits_spent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('found', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_found', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('credit_cap', 'integer')
    .addColumn('error', 'text')
    // Set while the run is active, null after: the unique index allows one active run per workspace.
    .addColumn('active_lock', 'text')
    .execute();
  await db.schema
    .createIndex('enrichment_runs_workspace_time')
    .on('enrichment_runs')
    .columns(['workspace_id', 'started_at'])
    .execute();
  await db.schema
    .createIndex('enrichment_runs_active')
    .on('enrichment_runs')
    .columns(['workspace_id', 'active_lock'])
    .unique()
    .execute();

  await db.schema
    .createTable('push_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text')
    .addColumn('rollback_of', 'text')
    .addColumn('rolled_back_by', 'text')
    .addColumn('planned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('notes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('writes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attributes_created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('active_lock', 'text')
    .execute();
  await db.schema
    .createIndex('push_runs_workspace_time')
    .on('push_runs')
    .columns(['workspace_id', 'started_at'])
    .execute();
  await db.schema
    .createIndex('push_runs_active')
    .on('push_runs')
    .columns(['workspace_id', 'active_lock'])
    .unique()
    .execute();

  await db.schema
    .createTable('push_run_items')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('record_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('changes_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('prev_state_json', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('push_run_items_run')
    .on('push_run_items')
    .columns(['workspace_id', 'run_id', 'id'])
    .execute();

  await db.schema
    .createTable('push_state')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('record_id', 'text')
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('values_json', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('written_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('push_state_pk', ['workspace_id', 'destination', 'record_key'])
    .execute();

  await db.schema
    .createTable('push_rejects')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addPrimaryKeyConstraint('push_rejects_pk', ['workspace_id', 'destination', 'record_key'])
    .execute();

  await db.schema
    .createTable('push_notes')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('signal_id', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text', (c) => c.notNull())
    .addColumn('note_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('push_notes_pk', ['workspace_id', 'destination', 'signal_id'])
    .execute();
}
