import { type Kysely, sql } from 'kysely';

/**
 * Narrow reads for score runs: an index covering what a run asks of every account (id, domain and
 * the hash of its cached history), so the run reads the history text only for accounts whose
 * history changed since the process last parsed it, not the whole wide row of each account; and a
 * partial index of the accounts whose past must be replayed (usually none), so finding them reads
 * no account row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('accounts_workspace_history')
    .on('accounts')
    .columns(['workspace_id', 'id', 'domain', 'history_hash'])
    .execute();
  await db.schema
    .createIndex('accounts_replay_needed')
    .on('accounts')
    .columns(['workspace_id', 'id'])
    .where(sql.ref('replay_needed'), '=', 1)
    .execute();
}
