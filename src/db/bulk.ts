import type BetterSqlite3 from 'better-sqlite3';
import { type Compilable, type Insertable, type Kysely, sql } from 'kysely';
import { sqliteHandleOf } from './dialect.js';
import type { DB } from './schema/index.js';
import { readOnThread, type ThreadResult } from './sqlite-thread.js';

/**
 * Many-row reads and writes for hot paths, where Kysely's per-query and per-row costs show.
 *
 * - Reads (`selectRows`): a Kysely-built query's rows as value arrays. On SQLite, run on the
 *   connection under Kysely while holding it (so no other query's transaction is open there), with
 *   the statement prepared once and rows read as arrays: no object, no key strings per row.
 * - Writes (`insertRows`): on SQLite inside a transaction, one statement prepared once per database
 *   and shape, run per row on the same connection (so the rows commit with the transaction): Kysely
 *   would compile and bind a new multi-row statement for every chunk. Elsewhere (Postgres, or
 *   outside a transaction) multi-row Kysely inserts.
 */

const statements = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

/** Prepared statements kept per database; texts vary with the length of IN lists, so the cache is bounded. */
const STATEMENT_CACHE_LIMIT = 500;

/** A statement prepared once per SQLite database and text (`raw`: its rows come as value arrays). */
export function preparedStatement(
  db: BetterSqlite3.Database,
  text: string,
  raw = false,
): BetterSqlite3.Statement {
  let cache = statements.get(db);
  if (!cache) {
    cache = new Map();
    statements.set(db, cache);
  }
  const key = raw ? `raw:${text}` : text;
  let prepared = cache.get(key);
  if (!prepared) {
    if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
    prepared = db.prepare(text);
    if (raw) prepared.raw(true);
    cache.set(key, prepared);
  }
  return prepared;
}

/**
 * The rows of a query as arrays of values, in the order the query selects them.
 *
 * @example
 * const rows = await selectRows(db, db.selectFrom('accounts').select(['id', 'domain']).where('workspace_id', '=', ws));
 * for (const [id, domain] of rows) …
 */
export async function selectRows(db: Kysely<DB>, query: Compilable): Promise<unknown[][]> {
  const compiled = query.compile();
  const sqlite = sqliteHandleOf(db);
  if (!sqlite) {
    const result = await db.executeQuery<Record<string, unknown>>(compiled);
    return result.rows.map((row) => Object.values(row));
  }
  const read = () => preparedStatement(sqlite, compiled.sql, true).all(...compiled.parameters) as unknown[][];
  // In a transaction the caller holds the connection already; otherwise hold it for the read.
  return db.isTransaction ? read() : db.connection().execute(async () => read());
}

/** The thread side of `selectRowsOnThread` (self-contained: it runs as source on the thread). */
function selectCompiledRows(
  connection: BetterSqlite3.Database,
  queries: { sql: string; parameters: readonly unknown[] }[],
): ThreadResult<unknown[][][]> {
  return {
    value: queries.map(
      (q) =>
        connection
          .prepare(q.sql)
          .raw(true)
          .all(...q.parameters) as unknown[][],
    ),
  };
}

/**
 * `selectRows` of several queries on another core, on a connection of its own to the same SQLite
 * file, while this thread does other work; null when the database is not a SQLite file (then read
 * here). The queries are compiled here, so they are built with Kysely as usual.
 *
 * @example
 * const pending = selectRowsOnThread(db, [openStaysQuery, linkedQuery]);
 * const rows = await readHere(); // meanwhile
 * const [open, linked] = pending ? await pending : await Promise.all(queries.map((q) => selectRows(db, q)));
 */
export function selectRowsOnThread(
  db: Kysely<DB>,
  queries: readonly Compilable[],
): Promise<unknown[][][]> | null {
  const input = queries.map((query) => {
    const compiled = query.compile();
    return { sql: compiled.sql, parameters: compiled.parameters };
  });
  return readOnThread(db, selectCompiledRows, [], input);
}

type Row = Record<string, string | number | null>;

export interface InsertRowsOptions<Column extends string> {
  /** Columns of the unique key that decides a conflict; with `update`, an upsert. */
  conflict?: readonly Column[];
  /** Columns a conflicting row takes from the new one. */
  update?: readonly Column[];
  /** Skip a row that would break any unique index (`on conflict do nothing`). */
  skipConflicts?: boolean;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** Postgres binds at most 65,535 parameters per statement; stay well under it. */
const MAX_PARAMETERS = 30_000;

/** The text of a one-row insert (or upsert) into `table` (SQLite and Postgres upsert syntax agree). */
export function insertStatement(
  table: string,
  columns: readonly string[],
  options: InsertRowsOptions<string> = {},
) {
  const conflict =
    options.conflict && options.update
      ? ` on conflict (${options.conflict.map(quote).join(', ')}) do update set ${options.update
          .map((c) => `${quote(c)} = excluded.${quote(c)}`)
          .join(', ')}`
      : options.skipConflicts
        ? ' on conflict do nothing'
        : '';
  return `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values (${columns.map(() => '?').join(', ')})${conflict}`;
}

/** Rows as value arrays in `columns` order (missing values as null). */
export function valuesOf(rows: readonly object[], columns: readonly string[]): unknown[][] {
  return rows.map((row) => columns.map((c) => (row as Record<string, unknown>)[c] ?? null));
}

/**
 * Insert (or upsert) rows that all have the same columns, in the caller's transaction when it has one.
 *
 * @example
 * await db.transaction().execute((trx) =>
 *   insertRows(trx, 'score_snapshots', rows, { conflict: ['workspace_id', 'account_id', 'day'], update: ['health'] }),
 * );
 */
export async function insertRows<T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  inserts: readonly Insertable<DB[T]>[],
  options: InsertRowsOptions<keyof DB[T] & string> = {},
): Promise<void> {
  const rows = inserts as readonly Row[];
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const sqlite = db.isTransaction ? sqliteHandleOf(db) : undefined;
  if (sqlite) {
    const statement = preparedStatement(sqlite, insertStatement(table, columns, options));
    for (const values of valuesOf(rows, columns)) statement.run(values);
    return;
  }
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += size) {
    // The table and columns are checked against DB above; Kysely's builder cannot follow a generic table.
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const untyped = db as Kysely<any>;
    let q = untyped.insertInto(table as string).values(rows.slice(start, start + size));
    const { conflict, update } = options;
    if (conflict && update) {
      q = q.onConflict((oc) =>
        oc
          .columns([...conflict])
          .doUpdateSet(Object.fromEntries(update.map((c) => [c, sql.ref(`excluded.${c}`)]))),
      );
    } else if (options.skipConflicts) {
      q = q.onConflict((oc) => oc.doNothing());
    }
    await q.execute();
  }
}
