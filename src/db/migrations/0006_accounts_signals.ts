import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import { autoIncrementId, autoIncrementType, isSqlite } from './util.js';

/**
 * Accounts (identity resolution and its links), typed daily usage, signal settings, custom signals,
 * occurrences, scores with daily snapshots, score runs and the backtest. Usage, scores and snapshots
 * are clustered on their key — WITHOUT ROWID on SQLite — so a score run reads usage as one ordered
 * scan, a re-score reads one account's slice, and a score write touches one B-tree.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const clustered = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    isSqlite(db) ? table.modifyEnd(sql`without rowid`) : table;

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_source', 'text', (c) => c.notNull())
    .addColumn('signup_at', 'text')
    .addColumn('history_json', 'text')
    .addColumn('history_hash', 'text')
    .addColumn('touched_at', 'text')
    .addColumn('replay_needed', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('link_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('accounts_workspace_domain', ['workspace_id', 'domain'])
    .execute();
  await db.schema
    .createIndex('accounts_workspace_touched')
    .on('accounts')
    .columns(['workspace_id', 'touched_at'])
    .execute();
  await db.schema
    .createIndex('accounts_workspace_name')
    .on('accounts')
    .columns(['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('account_links')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('via', 'text')
    .addColumn('conflict_json', 'text')
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('linked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_links_pk', ['workspace_id', 'integration', 'stream', 'external_id'])
    .execute();
  await db.schema
    .createIndex('account_links_account')
    .on('account_links')
    .columns(['workspace_id', 'account_id'])
    .execute();
  await db.schema
    .createIndex('account_links_via')
    .on('account_links')
    .columns(['workspace_id', 'via'])
    .execute();
  await db.schema
    .createIndex('account_links_status')
    .on('account_links')
    .columns(['workspace_id', 'status'])
    .execute();

  await db.schema
    .createTable('account_link_overrides')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('stream', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_link_overrides_pk', [
      'workspace_id',
      'integration',
      'stream',
      'external_id',
    ])
    .execute();

  await db.schema
    .createTable('account_group_keys')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_group_keys_pk', ['workspace_id', 'group_key'])
    .execute();
  await db.schema
    .createIndex('account_group_keys_account')
    .on('account_group_keys')
    .columns(['workspace_id', 'account_id'])
    .execute();

  await clustered(
    db.schema
      .createTable('usage_daily')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('day', 'integer', (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('persons', 'integer', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('usage_daily_pk', ['workspace_id', 'account_id', 'event', 'day']),
  ).execute();

  await clustered(
    db.schema
      .createTable('usage_totals')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('first_day', 'integer', (c) => c.notNull())
      .addColumn('last_day', 'integer', (c) => c.notNull())
      .addColumn('total', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_totals_pk', ['workspace_id', 'account_id', 'event']),
  ).execute();

  await db.schema
    .createTable('signal_settings')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('signal_key', 'text', (c) => c.notNull())
    .addColumn('settings_json', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('signal_settings_pk', ['workspace_id', 'signal_key'])
    .execute();

  await db.schema
    .createTable('custom_signals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('events_json', 'text', (c) => c.notNull())
    .addColumn('operator', 'text', (c) => c.notNull())
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('window_days', 'integer', (c) => c.notNull())
    .addColumn('weight', 'double precision', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('custom_signals_workspace')
    .on('custom_signals')
    .column('workspace_id')
    .execute();

  await db.schema
    .createTable('signal_occurrences')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('signal_key', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('open', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('strength', 'double precision', (c) => c.notNull())
    .addColumn('evidence_json', 'text', (c) => c.notNull())
    .addColumn('explanation', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text')
    .execute();
  await db.schema
    .createIndex('signal_occurrences_account')
    .on('signal_occurrences')
    .columns(['workspace_id', 'account_id', 'signal_key', 'last_seen_at'])
    .execute();
  await db.schema
    .createIndex('signal_occurrences_signal')
    .on('signal_occurrences')
    .columns(['workspace_id', 'signal_key', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('signal_occurrences_recent')
    .on('signal_occurrences')
    .columns(['workspace_id', 'last_seen_at'])
    .execute();

  await clustered(
    db.schema
      .createTable('account_scores')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('health', 'integer', (c) => c.notNull())
      .addColumn('expansion', 'integer', (c) => c.notNull())
      .addColumn('churn_risk', 'integer', (c) => c.notNull())
      .addColumn('fit', 'integer')
      .addColumn('score', 'integer', (c) => c.notNull())
      .addColumn('grade', 'text', (c) => c.notNull())
      .addColumn('top_signals_json', 'text', (c) => c.notNull())
      .addColumn('explanation_json', 'text', (c) => c.notNull())
      .addColumn('signal_keys', 'text', (c) => c.notNull())
      .addColumn('health_history_json', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('row_hash', 'text', (c) => c.notNull())
      .addColumn('scored_at', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addPrimaryKeyConstraint('account_scores_pk', ['workspace_id', 'account_id']),
  ).execute();
  for (const column of ['score', 'health', 'expansion', 'churn_risk', 'fit']) {
    await db.schema
      .createIndex(`account_scores_${column}`)
      .on('account_scores')
      .columns(['workspace_id', column, 'account_id'])
      .execute();
  }

  await clustered(
    db.schema
      .createTable('score_snapshots')
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('health', 'integer', (c) => c.notNull())
      .addColumn('expansion', 'integer', (c) => c.notNull())
      .addColumn('churn_risk', 'integer', (c) => c.notNull())
      .addColumn('fit', 'integer')
      .addColumn('score', 'integer', (c) => c.notNull())
      .addColumn('grade', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('score_snapshots_pk', ['workspace_id', 'account_id', 'day']),
  ).execute();

  await db.schema
    .createTable('score_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('stage', 'text')
    .addColumn('progress_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('counts_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('error', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('active_lock', 'text', (c) => c.unique())
    .execute();
  await db.schema
    .createIndex('score_runs_workspace_time')
    .on('score_runs')
    .columns(['workspace_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('scoring_state')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey())
    .addColumn('records_watermark', 'text')
    .addColumn('live_since', 'text')
    .addColumn('last_full_run_at', 'text')
    .addColumn('replay_signature', 'text')
    .addColumn('backtest_until', 'text')
    .addColumn('settings_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('backtest_results')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('signal_key', 'text', (c) => c.notNull())
    .addColumn('outcome_class', 'text', (c) => c.notNull())
    .addColumn('fired_units', 'integer', (c) => c.notNull())
    .addColumn('fired_hits', 'integer', (c) => c.notNull())
    .addColumn('other_units', 'integer', (c) => c.notNull())
    .addColumn('other_hits', 'integer', (c) => c.notNull())
    .addColumn('precision', 'double precision')
    .addColumn('base_rate', 'double precision')
    .addColumn('lift', 'double precision')
    .addColumn('median_lead_days', 'double precision')
    .addColumn('support_accounts', 'integer', (c) => c.notNull())
    .addColumn('lead_hist_json', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('backtest_results_pk', ['workspace_id', 'signal_key', 'outcome_class'])
    .execute();

  await db.schema
    .createTable('account_backtest')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('tallies_json', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_backtest_pk', ['workspace_id', 'account_id'])
    .execute();
}
