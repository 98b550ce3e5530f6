import type { Kysely } from 'kysely';

/**
 * Account owners (src/accounts/owners.ts): the person a CRM assigned the company to, as columns
 * of the account so the accounts list, segments and alert rules filter by them in one read, and an
 * index for "this owner's accounts" (per-owner digests, `owner=` filters).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('owner_email', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('owner_name', 'text').execute();
  await db.schema.alterTable('accounts').addColumn('owner_source', 'text').execute();
  await db.schema
    .createIndex('accounts_workspace_owner')
    .on('accounts')
    .columns(['workspace_id', 'owner_email'])
    .execute();
}
