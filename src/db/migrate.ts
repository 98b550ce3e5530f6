import { type Kysely, Migrator, PostgresAdapter, sql } from 'kysely';
import { migrations } from './migrations/index.js';
import type { DB } from './schema/index.js';

const MIGRATION_TABLE = 'beton_migration';
const MIGRATION_LOCK_TABLE = 'beton_migration_lock';

/**
 * Kysely's migrator looks for its bookkeeping tables in every schema it can see, so on Postgres we
 * pin it to the connection's current schema: several Beton databases can then share one Postgres
 * database in separate schemas (the tests do) without reading each other's migration state.
 */
async function migrator(kysely: Kysely<DB>) {
  let migrationTableSchema: string | undefined;
  if (kysely.getExecutor().adapter instanceof PostgresAdapter) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(kysely);
    migrationTableSchema = rows[0]?.schema;
  }
  return new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
}

/** Apply every pending migration. Throws with the failing migration's name. */
export async function migrateToLatest(kysely: Kysely<DB>): Promise<string[]> {
  const { error, results } = await (await migrator(kysely)).migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error');
    throw new Error(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return applied;
}

/** Names of migrations not yet applied (for /readyz). */
export async function pendingMigrations(kysely: Kysely<DB>): Promise<string[]> {
  const all = await (await migrator(kysely)).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
