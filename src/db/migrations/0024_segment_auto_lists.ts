import { type Kysely, sql } from 'kysely';

/**
 * Segments keep their CRM lists in step after score runs (src/segments/list-sync.ts), and are
 * evaluated with fewer index writes.
 *
 * - `segments.changed_at`: when an account last entered or left the segment (not every evaluation).
 * - `segment_auto_lists`: the lists a segment keeps in sync by itself; `synced_change_at` is the
 *   `changed_at` the last automatic sync started from, so a sync is due while they differ (a missed
 *   job is found again by the next check, not lost).
 * - `segment_list_runs.trigger`: `manual` (API, CLI, web) or `auto` (after a score run), and a
 *   partial unique index so one list of a segment has at most one running sync or rollback, whoever
 *   starts it (older duplicates are closed first).
 * - `segment_members_current` is dropped: the open-stay reads use the partial `segment_members_open`
 *   and history reads `segment_members_entered`, and every entry and exit wrote it too.
 * - `account_links_status` covers (status, integration, account_id): the `source` filter's set of
 *   accounts linked from some integrations is read from the index alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('segments').addColumn('changed_at', 'text').execute();
  await db.schema
    .createTable('segment_auto_lists')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('list_name', 'text')
    .addColumn('synced_change_at', 'text')
    .addColumn('enabled_by', 'text')
    .addColumn('enabled_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('segment_auto_lists_pk', ['workspace_id', 'segment_id', 'destination'])
    .execute();

  await db.schema
    .alterTable('segment_list_runs')
    .addColumn('trigger', 'text', (c) => c.notNull().defaultTo('manual'))
    .execute();
  await sql`
    UPDATE segment_list_runs SET status = 'failed', error = 'superseded by a later run', finished_at = started_at
    WHERE status = 'running' AND EXISTS (
      SELECT 1 FROM segment_list_runs r
      WHERE r.workspace_id = segment_list_runs.workspace_id
        AND r.segment_id = segment_list_runs.segment_id
        AND r.destination = segment_list_runs.destination
        AND r.status = 'running'
        AND (r.started_at > segment_list_runs.started_at
          OR (r.started_at = segment_list_runs.started_at AND r.id > segment_list_runs.id))
    )`.execute(db);
  await db.schema
    .createIndex('segment_list_runs_running')
    .on('segment_list_runs')
    .columns(['workspace_id', 'segment_id', 'destination'])
    .unique()
    .where(sql.ref('status'), '=', 'running')
    .execute();

  await db.schema.dropIndex('segment_members_current').execute();
  await db.schema.dropIndex('account_links_status').execute();
  await db.schema
    .createIndex('account_links_status')
    .on('account_links')
    .columns(['workspace_id', 'status', 'integration', 'account_id'])
    .execute();
}
