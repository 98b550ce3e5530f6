import type { Kysely } from 'kysely';

/**
 * Saved segments (src/segments): the segment and its filter, membership over time, and the billing
 * facets of each account that segment and list filters read (plan, billing state, ARR), derived from
 * the account's history after each score run.
 *
 * - `segment_members`: one row per stay in a segment. An account that leaves gets `left_at`; if it
 *   comes back it gets a new row, so "entered this week" and "left this week" are range reads.
 * - `account_facets`: keyed like `account_scores`; `history_hash` is the account's history hash the
 *   row was derived from, so a refresh only re-reads the accounts whose records changed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('filter_json', 'text', (c) => c.notNull())
    .addColumn('member_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('evaluated_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('segments_workspace_name', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('segment_members')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'text', (c) => c.notNull())
    .addColumn('left_at', 'text')
    .addPrimaryKeyConstraint('segment_members_pk', ['workspace_id', 'segment_id', 'account_id', 'entered_at'])
    .execute();
  await db.schema
    .createIndex('segment_members_current')
    .on('segment_members')
    .columns(['workspace_id', 'segment_id', 'left_at', 'account_id'])
    .execute();
  await db.schema
    .createIndex('segment_members_entered')
    .on('segment_members')
    .columns(['workspace_id', 'segment_id', 'entered_at'])
    .execute();

  await db.schema
    .createTable('account_facets')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('plan', 'text')
    .addColumn('billing_status', 'text', (c) => c.notNull())
    .addColumn('arr', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('history_hash', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('account_facets_pk', ['workspace_id', 'account_id'])
    .execute();
}
