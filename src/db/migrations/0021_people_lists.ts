import { type Kysely, sql } from 'kysely';

/**
 * Segment lists in a CRM (src/segments/list-sync.ts) and one open stay per account and segment.
 *
 * - `segment_list_runs`: each sync of a segment to a destination's list (or the rollback of one),
 *   with its counts and outcome; `segment_list_items`: each entry it added or removed, so a
 *   rollback can undo exactly that.
 * - `segment_members_open`: a partial unique index, so two evaluations running at once cannot both
 *   open a stay for the same account (the second insert is ignored). Duplicates an earlier race
 *   left behind are removed first (the earliest open stay is kept).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('segment_list_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('list_id', 'text')
    .addColumn('list_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('rollback_of', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('removed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('missing', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createIndex('segment_list_runs_segment')
    .on('segment_list_runs')
    .columns(['workspace_id', 'segment_id', 'started_at'])
    .execute();

  await db.schema
    .createTable('segment_list_items')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('entry_id', 'text')
    .addColumn('account_id', 'text')
    .addColumn('domain', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('segment_list_items_pk', ['workspace_id', 'run_id', 'action', 'record_id'])
    .execute();

  await sql`
    DELETE FROM segment_members
    WHERE left_at IS NULL AND EXISTS (
      SELECT 1 FROM segment_members o
      WHERE o.workspace_id = segment_members.workspace_id
        AND o.segment_id = segment_members.segment_id
        AND o.account_id = segment_members.account_id
        AND o.left_at IS NULL
        AND o.entered_at < segment_members.entered_at
    )`.execute(db);
  await db.schema
    .createIndex('segment_members_open')
    .on('segment_members')
    .columns(['workspace_id', 'segment_id', 'account_id'])
    .unique()
    .where(sql.ref('left_at'), 'is', null)
    .execute();
}
