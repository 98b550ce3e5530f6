import { type Kysely, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from './migrations/index.js';

const MIGRATION_TABLE = 'beton_migration';
const MIGRATION_LOCK_TABLE = 'beton_migration_lock';

function migrator(kysely: Kysely<any>) {
  return new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

/** Apply every pending migration. Throws with the failing migration's name. */
export async function migrateToLatest(kysely: Kysely<any>): Promise<string[]> {
  const { error, results } = await migrator(kysely).migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find(
      (r: MigrationResultSet['results'] extends (infer R)[] | undefined ? R : never) => r.status === 'Error',
    );
    throw new Error(
      `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return applied;
}

/** Names of migrations not yet applied (for /readyz). */
export async function pendingMigrations(kysely: Kysely<any>): Promise<string[]> {
  const all = await migrator(kysely).getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
