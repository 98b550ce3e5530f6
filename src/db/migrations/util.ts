import { type ColumnDefinitionBuilder, type Kysely, SqliteAdapter } from 'kysely';

/** Migrations are shared by both dialects; the few differences are decided here. */
export const isSqlite = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** An auto-incrementing integer primary key on either dialect. */
export function autoIncrementId(db: Kysely<unknown>) {
  return isSqlite(db)
    ? (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement()
    : (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
}

/** Column type for an auto-increment id: SQLite requires exactly INTEGER for rowid aliasing. */
export const autoIncrementType = (db: Kysely<unknown>) => (isSqlite(db) ? 'integer' : 'bigint');
