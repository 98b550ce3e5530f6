import type { Kysely } from 'kysely';
import { autoIncrementId, autoIncrementType } from './util.js';

/**
 * Webhook deliveries that were correctly signed but are not events (no id, an array body, nesting
 * too deep…): refused with 400 and kept here with the reason, so a misbehaving sender can be seen.
 * Deliveries whose signature fails are not recorded: anyone can send those. And the workspace's
 * choice of provider per capability (`capability_providers`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_rejects')
    .addColumn('id', autoIncrementType(db), autoIncrementId(db))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('payload_excerpt', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('webhook_rejects_connection')
    .on('webhook_rejects')
    .columns(['workspace_id', 'connection_id', 'received_at'])
    .execute();
  // Which connected integration serves a capability (enrichment, destination) when a workspace has
  // several that offer it; absent = the only connected one.
  await db.schema
    .createTable('capability_providers')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('capability', 'text', (c) => c.notNull())
    .addColumn('integration', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addPrimaryKeyConstraint('capability_providers_pk', ['workspace_id', 'capability'])
    .execute();
}
