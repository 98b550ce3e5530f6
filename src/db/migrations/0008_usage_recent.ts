import { type Kysely, sql } from 'kysely';
import { isSqlite } from './util.js';

/**
 * Faster score runs.
 *
 * - `usage_totals.recent_from` / `recent_json`: each (account, event)'s recent daily counts, kept
 *   at ingest as `[dayOffset, count, …]` from `recent_from`. A run sums its "last N days" windows
 *   from these one-row-per-event lists instead of reaching into `usage_daily` for every day of the
 *   window; existing rows are filled here from their own last 91 days.
 * - SQLite: `account_scores` becomes an ordinary (rowid) table. Its rows (explanation, top signals,
 *   health history) pass 1 KB, past what a WITHOUT ROWID table keeps in its b-tree page: every
 *   rewrite of a score also rewrote overflow pages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('usage_totals').addColumn('recent_from', 'integer').execute();
  await db.schema.alterTable('usage_totals').addColumn('recent_json', 'text').execute();
  const concat = (pair: ReturnType<typeof sql>) =>
    isSqlite(db) ? sql`group_concat(${pair}, ',')` : sql`string_agg(${pair}, ',')`;
  await sql`
    update usage_totals set recent_from = last_day - 90, recent_json = coalesce((
      select '[' || ${concat(sql`(d.day - (usage_totals.last_day - 90)) || ',' || d.count`)} || ']'
      from usage_daily d
      where d.workspace_id = usage_totals.workspace_id and d.account_id = usage_totals.account_id
        and d.event = usage_totals.event and d.day >= usage_totals.last_day - 90 and d.count <> 0), '[]')`.execute(
    db,
  );

  if (!isSqlite(db)) return;
  await db.schema
    .createTable('account_scores_next')
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
    .execute();
  await sql`insert into account_scores_next select workspace_id, account_id, health, expansion, churn_risk, fit,
    score, grade, top_signals_json, explanation_json, signal_keys, health_history_json, row_hash, scored_at, run_id
    from account_scores`.execute(db);
  await db.schema.dropTable('account_scores').execute();
  await db.schema.alterTable('account_scores_next').renameTo('account_scores').execute();
  await db.schema
    .createIndex('account_scores_account')
    .on('account_scores')
    .columns(['workspace_id', 'account_id'])
    .unique()
    .execute();
  for (const column of ['score', 'health', 'expansion', 'churn_risk', 'fit']) {
    await db.schema
      .createIndex(`account_scores_${column}`)
      .on('account_scores')
      .columns(['workspace_id', column, 'account_id'])
      .execute();
  }
}
