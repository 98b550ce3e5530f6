import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import { startCheckpointer } from './checkpointer.js';
import {
  askSqliteSignal,
  type ListenOptions,
  listenPostgres,
  listenSqlite,
  sqliteCommitted,
  sqliteRolledBack,
} from './notify.js';
import type { DB } from './schema/index.js';
import { isSqliteFile } from './sqlite-file.js';
import { type StorageError, storageErrorOf } from './storage-errors.js';

/** SQLite's own default: checkpoint when a commit leaves more than this many pages in the log. */
const DEFAULT_AUTOCHECKPOINT = 1000;

// int8 (COUNT, bigint columns) arrives as a string by default; Beton's counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric → number as well (scores, money in minor units are stored as integers anyway).
pg.types.setTypeParser(1700, (v) => Number(v));

export type DatabaseTarget =
  | { dialect: 'sqlite'; file: string }
  | { dialect: 'postgres'; url: string; schema?: string; poolSize?: number };

export interface Db {
  kysely: Kysely<DB>;
  dialect: 'sqlite' | 'postgres';
  /**
   * The SQLite handle under Kysely (SQLite only), for hot paths that reuse prepared statements (the
   * sync engine's page writes). Statements run on it inside a Kysely transaction join that transaction.
   */
  sqlite?: Database.Database;
  /** For SQLite, the file; for Postgres, the URL without password. */
  describe: string;
  /** SQLite: the last disk failure a query met (full, read-only…), until a write succeeds again. */
  storage?: StorageHealth;
  /**
   * Hear `channel` whenever a transaction that called `notifyOnCommit(trx, channel)` commits:
   * on Postgres in any process on this database and schema, on SQLite in this process. Returns the
   * function that stops listening.
   */
  listen(channel: string, onSignal: () => void, opts?: ListenOptions): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Open the database Beton runs on. SQLite gets WAL, foreign keys and a busy timeout so the CLI and
 * the server can share the file; Postgres gets a pool (and a search_path when `schema` is given,
 * which the tests use to isolate files from each other).
 *
 * @example
 * const db = openDatabase({ dialect: 'sqlite', file: './data/beton.sqlite' });
 * await db.kysely.selectFrom('connections').selectAll().where('workspace_id', '=', ws).execute();
 */
export function openDatabase(target: DatabaseTarget): Db {
  if (target.dialect === 'sqlite') {
    let sqlite: Database.Database;
    try {
      if (isSqliteFile(target.file)) prepareSqliteFile(target.file);
      sqlite = new Database(target.file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 10000');
      sqlite.pragma('synchronous = NORMAL');
    } catch (error) {
      throw storageErrorOf(error, target.file) ?? error;
    }
    const checkpointer = !isSqliteFile(target.file)
      ? null
      : startCheckpointer(target.file, {
          // Without the thread, SQLite's own automatic checkpoints keep the log bounded.
          onFailure: () => sqlite.open && sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`),
        });
    if (checkpointer) sqlite.pragma('wal_autocheckpoint = 0');
    const storage: StorageHealth = { lastFault: null };
    const kysely = new Kysely<DB>({ dialect: new ImmediateSqliteDialect(sqlite, target.file, storage) });
    return {
      kysely,
      dialect: 'sqlite',
      sqlite,
      storage,
      describe: target.file,
      listen: async (channel, onSignal) => listenSqlite(sqlite, channel, onSignal),
      close: async () => {
        // The thread's connection closes first: the last connection to close checkpoints the rest.
        await checkpointer?.stop();
        await kysely.destroy();
      },
    };
  }
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 10,
    ...(target.schema ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
  });
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const listeners = new Set<() => Promise<void>>();
  return {
    kysely,
    dialect: 'postgres',
    describe: target.url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@'),
    listen: async (channel, onSignal, opts) => {
      const stop = await listenPostgres(
        { url: target.url, ...(target.schema ? { schema: quoteIdent(target.schema) } : {}) },
        channel,
        onSignal,
        opts,
      );
      const once = async () => {
        listeners.delete(once);
        await stop();
      };
      listeners.add(once);
      return once;
    },
    close: async () => {
      await Promise.all([...listeners].map((stop) => stop()));
      await kysely.destroy();
    },
  };
}

/**
 * SQLite transactions begin `IMMEDIATE`: they take the write lock up front. A deferred transaction
 * that reads and then writes fails at once with "database is locked" when another process (the CLI
 * next to the server) committed in between — the busy timeout cannot help it; an immediate one
 * waits its turn on the busy timeout instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: Database.Database,
    private readonly file: string,
    private readonly storage: StorageHealth,
  ) {
    super({ database });
  }

  override createAdapter(): DialectAdapter {
    return new HandleSqliteAdapter(this.database);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    // Signals asked for in the transaction (notifyOnCommit) go out once it has committed.
    const commit = driver.commitTransaction.bind(driver);
    driver.commitTransaction = async (connection: DatabaseConnection) => {
      await commit(connection);
      sqliteCommitted(this.database);
    };
    // SQLite rolls a transaction back by itself when the disk fills (SQLITE_FULL) or an I/O error
    // strikes; a second rollback would fail with "no transaction is active" and hide the cause.
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection: DatabaseConnection) => {
      sqliteRolledBack(this.database);
      if (this.database.inTransaction) await rollback(connection);
    };
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => this.watched(await acquire());
    return driver;
  }

  private readonly watchedConnections = new WeakSet<DatabaseConnection>();

  /** The connection with disk failures turned into StorageErrors and remembered for /readyz. */
  private watched(connection: DatabaseConnection): DatabaseConnection {
    if (this.watchedConnections.has(connection)) return connection;
    this.watchedConnections.add(connection);
    const execute = connection.executeQuery.bind(connection);
    connection.executeQuery = async <R>(query: CompiledQuery) => {
      try {
        const result = await execute<R>(query);
        if (this.storage.lastFault && (result.numAffectedRows ?? 0n) > 0n) this.storage.lastFault = null;
        return result;
      } catch (error) {
        const storageError = storageErrorOf(error, this.file);
        if (!storageError) throw error;
        this.storage.lastFault = { error: storageError, at: Date.now() };
        throw storageError;
      }
    };
    return connection;
  }
}

/** The disk failure a SQLite database last met, if no write has succeeded since. */
export interface StorageHealth {
  lastFault: { error: StorageError; at: number } | null;
}

/**
 * Make the database file before SQLite does, private to the user running Beton: the data directory
 * 0700 when Beton creates it, the file 0600. SQLite gives the -wal and -shm files it creates later
 * (from any connection: the writer, reader and checkpointer threads too) the mode of the database
 * file, so they are 0600 as well. Files an older version left world-readable are narrowed.
 */
function prepareSqliteFile(file: string): void {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const mode = fs.statSync(f).mode & 0o777;
      if (mode & 0o077) fs.chmodSync(f, mode & 0o700);
    } catch {
      // Absent (SQLite creates it later, with the file's mode) or owned by someone else: leave it.
    }
  }
}

/** Kysely's SQLite adapter, carrying the connection's handle so hot paths can find it from a Kysely or a transaction. */
class HandleSqliteAdapter extends SqliteAdapter {
  constructor(readonly database: Database.Database) {
    super();
  }
}

/**
 * The SQLite handle under a Kysely instance or one of its transactions (undefined on Postgres).
 * Statements run on it join the transaction open on that connection: use it only inside a
 * transaction the caller holds, where no other query can interleave.
 */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export function sqliteHandleOf(db: Kysely<any>): Database.Database | undefined {
  const adapter = db.getExecutor().adapter;
  return adapter instanceof HandleSqliteAdapter ? adapter.database : undefined;
}

/**
 * Signal `channel` to the database's listeners (`Db.listen`) when the caller's transaction commits,
 * never when it rolls back: Postgres NOTIFY (every process; the payload names the schema), SQLite
 * this process's listeners. Call it inside the transaction that makes the change.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await trx.insertInto('outbox_events').values(row).execute();
 *   await notifyOnCommit(trx, 'beton_outbox');
 * });
 */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export async function notifyOnCommit(trx: Kysely<any>, channel: string): Promise<void> {
  if (!trx.isTransaction) throw new Error(`notifyOnCommit(${channel}) needs the caller's transaction.`);
  const sqlite = sqliteHandleOf(trx);
  if (sqlite) askSqliteSignal(sqlite, channel);
  else await sql`select pg_notify(${channel}, current_schema())`.execute(trx);
}

/**
 * The file of a Kysely instance on a SQLite file (undefined for Postgres and in-memory SQLite):
 * what a thread's own connection opens.
 */
// biome-ignore lint/suspicious/noExplicitAny: any schema
export function sqliteFileOf(db: Kysely<any>): string | undefined {
  const sqlite = sqliteHandleOf(db);
  return sqlite && !sqlite.memory && isSqliteFile(sqlite.name) ? sqlite.name : undefined;
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Invalid schema name "${name}"`);
  return name;
}
