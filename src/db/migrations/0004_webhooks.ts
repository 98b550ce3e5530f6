import type { Kysely } from 'kysely';

/**
 * Webhook events Beton accepted, one row each: a replayed event id is recognised and ignored, and
 * an event older than one already applied to the same object does not overwrite it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_events')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('event_created', 'bigint', (c) => c.notNull())
    .addColumn('applied', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_events_pk', ['workspace_id', 'connection_id', 'event_id'])
    .execute();
  await db.schema
    .createIndex('webhook_events_object')
    .on('webhook_events')
    .columns(['workspace_id', 'connection_id', 'object_id', 'event_created'])
    .execute();
}
