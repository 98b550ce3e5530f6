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

/**
 * Kysely's migrator introspects every schema of the database, and its Postgres introspector looks
 * each column up again by name (`pg_get_serial_sequence`). When another schema changes at that
 * moment (another Beton sharing the database migrating or dropping its schema, or a test cleaning
 * up), Postgres answers `schema "…" does not exist`, `relation "…" does not exist` or `column "…" of
 * relation "…" does not exist` about that other schema. Nothing was read or applied then: ask again.
 */
const droppedMeanwhile = (error: unknown) =>
  error instanceof Error &&
  /^(schema "[^"]+"|relation "[^"]+"|column "[^"]+" of relation "[^"]+") does not exist$/.test(error.message);

async function retryingDroppedSchemas<T>(
  attempt: () => Promise<T>,
  failed: (result: T) => unknown,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    const result = await attempt().catch((error: unknown) => {
      if (tries < 4 && droppedMeanwhile(error)) return undefined;
      throw error;
    });
    if (result !== undefined && (tries >= 4 || !droppedMeanwhile(failed(result)))) return result;
    await new Promise((resolve) => setTimeout(resolve, 100 * tries));
  }
}

/** Apply every pending migration. Throws with the failing migration's name. */
export async function migrateToLatest(kysely: Kysely<DB>): Promise<string[]> {
  const { error, results } = await retryingDroppedSchemas(
    async () => (await migrator(kysely)).migrateToLatest(),
    // Retried only when nothing was applied.
    (outcome) => (outcome.results?.length ? undefined : outcome.error),
  );
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
  const all = await retryingDroppedSchemas(
    async () => (await migrator(kysely)).getMigrations(),
    () => undefined,
  );
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
