import type { Kysely } from 'kysely';

/**
 * Inbound ingest (the `ingest` capability, issue 18): write keys (only their SHA-256 is kept), the
 * message ids seen per connection (a client's retry is acknowledged and not counted twice; rows
 * older than the retention window are pruned), and per-connection counters of calls received and
 * rejected with the last rejection's reason.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ingest_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('ingest_keys_hash').on('ingest_keys').column('key_hash').unique().execute();
  await db.schema
    .createIndex('ingest_keys_connection')
    .on('ingest_keys')
    .columns(['workspace_id', 'connection_id'])
    .execute();

  await db.schema
    .createTable('ingest_messages')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ingest_messages_pk', ['workspace_id', 'connection_id', 'message_id'])
    .execute();
  await db.schema
    .createIndex('ingest_messages_received')
    .on('ingest_messages')
    .columns(['received_at'])
    .execute();

  await db.schema
    .createTable('ingest_counters')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('received', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicates', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unattributed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_received_at', 'text')
    .addColumn('last_rejected_at', 'text')
    .addColumn('last_reject_reason', 'text')
    .addPrimaryKeyConstraint('ingest_counters_pk', ['workspace_id', 'connection_id'])
    .execute();
}
