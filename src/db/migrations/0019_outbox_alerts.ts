import type { Kysely } from 'kysely';
import { autoIncrementId, autoIncrementType } from './util.js';

/**
 * The outbox and alerts (issue 16).
 *
 * - `outbox_events`: what happened (a signal opened or closed, a grade changed, …), written in the
 *   same transaction as the change itself; `id` only grows. Consumers (alerts, outbound webhooks)
 *   keep their position in `outbox_cursors` and advance it in the transaction that handles the
 *   events, so a crash neither loses nor repeats one.
 * - `alert_rules`: which occurrences alert where; `alerts`: one row per (rule, occurrence, opening)
 *   with its delivery state; `alert_attempts`: each try with the service's error code.
 * - `alert_feedback`: people's verdicts per occurrence; `alert_snoozes`: account+signal silenced.
 * - `digests` and `digest_runs`: scheduled summaries, one run per (digest, period) at most.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox_events')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('outbox_events_workspace')
    .on('outbox_events')
    .columns(['workspace_id', 'type', 'id'])
    .execute();
  await db.schema
    .createTable('outbox_cursors')
    .addColumn('consumer', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('rule_json', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('alert_rules_workspace_name', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('occurrence_id', 'bigint', (c) => c.notNull())
    .addColumn('opening_event_id', 'bigint', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('signal_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('error_message', 'text')
    .addColumn('target_json', 'text')
    .addColumn('sent_json', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_before', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('digest_run_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addUniqueConstraint('alerts_rule_opening', [
      'workspace_id',
      'rule_id',
      'occurrence_id',
      'opening_event_id',
    ])
    .execute();
  await db.schema
    .createIndex('alerts_status')
    .on('alerts')
    .columns(['workspace_id', 'status', 'not_before'])
    .execute();
  await db.schema
    .createIndex('alerts_created')
    .on('alerts')
    .columns(['workspace_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('alert_attempts')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('retry_after_ms', 'integer')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alert_attempts_alert')
    .on('alert_attempts')
    .columns(['workspace_id', 'alert_id', 'id'])
    .execute();

  await db.schema
    .createTable('alert_feedback')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('occurrence_id', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text')
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('signal_key', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_feedback_pk', ['workspace_id', 'occurrence_id', 'actor_id'])
    .execute();
  await db.schema
    .createIndex('alert_feedback_signal')
    .on('alert_feedback')
    .columns(['workspace_id', 'signal_key'])
    .execute();
  await db.schema
    .createTable('alert_snoozes')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('signal_key', 'text', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_snoozes_pk', ['workspace_id', 'account_id', 'signal_key'])
    .execute();

  await db.schema
    .createTable('digests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('digest_json', 'text', (c) => c.notNull())
    .addColumn('last_period_end', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('digests_workspace_name', ['workspace_id', 'name'])
    .execute();
  await db.schema
    .createTable('digest_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('digest_id', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary_json', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('digest_runs_period', ['workspace_id', 'digest_id', 'period_end'])
    .execute();
}
