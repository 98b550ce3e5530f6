import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sqliteFileOf, sqliteHandleOf } from './dialect.js';
import { emitSqliteSignals } from './notify.js';
import type { DB } from './schema/index.js';
import { SQLITE_DRIVER } from './sqlite-file.js';

/**
 * Statements with the rows to run each with, applied in order in one transaction. A statement's
 * `notify` channel is signalled to this process's listeners once the batch commits (as
 * `notifyOnCommit` does for a transaction on the main connection).
 */
export type WriteBatch = { sql: string; rows: unknown[][]; notify?: string }[];

/**
 * The writer thread: its own connection to the same SQLite file; each batch is one immediate
 * transaction of prepared statements (prepared once per text). Plain CommonJS source so that it runs
 * the same from the build, under tsx and under Vitest, with no loader.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// The same settings as the connection openDatabase makes.
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 10000');
db.pragma('synchronous = NORMAL');
// The database's checkpointer thread folds the log back (src/db/checkpointer.ts).
db.pragma('wal_autocheckpoint = 0');
const statements = new Map();
parentPort.on('message', ({ id, batch }) => {
  try {
    db.exec('begin immediate');
    for (const { sql, rows } of batch) {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      for (const row of rows) statement.run(row);
    }
    db.exec('commit');
    parentPort.postMessage({ id });
  } catch (error) {
    if (db.inTransaction) db.exec('rollback');
    parentPort.postMessage({ id, error: String(error && error.message ? error.message : error), code: error && error.code });
  }
});
`;

/**
 * Writes on a second core. A score run computes chunk after chunk and hands each chunk's writes
 * here: SQLite applies them on the writer's connection while the run computes the next chunk.
 * Batches commit in the order given, each atomically; `flush` waits for all and reports the
 * first failure. Only for SQLite files (another connection cannot open an in-memory database).
 *
 * @example
 * const writer = BackgroundWriter.open(db);
 * writer?.write([{ sql: 'update accounts set touched_at = null where id = ?', rows: [['acc_1']] }]);
 * await writer?.close();
 */
export class BackgroundWriter {
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly settled: Promise<void>[] = [];
  private failure: Error | null = null;
  private nextId = 0;

  /** Channels to signal when each batch commits, by batch id. */
  private readonly signals = new Map<number, string[]>();

  private constructor(
    private readonly worker: Worker,
    private readonly handle: Database.Database,
  ) {
    worker.on('message', ({ id, error, code }: { id: number; error?: string; code?: string }) => {
      const waiter = this.pending.get(id);
      this.pending.delete(id);
      const channels = this.signals.get(id);
      this.signals.delete(id);
      if (channels && !error) emitSqliteSignals(this.handle, channels);
      // The SQLite code travels with the message, so a full or read-only disk is told apart.
      if (error) waiter?.reject(Object.assign(new Error(`Background write failed: ${error}`), { code }));
      else waiter?.resolve();
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (this.pending.size > 0) this.failAll(new Error(`The writer thread exited (code ${code})`));
    });
  }

  /** A writer for this database, or null when it is not a SQLite file. */
  static open(db: Kysely<DB>): BackgroundWriter | null {
    const file = sqliteFileOf(db);
    if (!file) return null;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver: SQLITE_DRIVER } });
    return new BackgroundWriter(worker, sqliteHandleOf(db)!);
  }

  /** Queue a batch; it commits after the batches queued before it. */
  write(batch: WriteBatch): void {
    if (batch.every((s) => s.rows.length === 0)) return;
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.settled.push(
      done.catch((error: Error) => {
        this.failure ??= error;
      }),
    );
    const channels = batch.flatMap((s) => (s.notify ? [s.notify] : []));
    if (channels.length > 0) this.signals.set(id, channels);
    // Cloned as it is: arrays of primitives clone in about a third of the time JSON.stringify takes.
    this.worker.postMessage({ id, batch });
  }

  /** Wait until every queued batch has committed; throws the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.settled.splice(0));
    if (this.failure) throw this.failure;
  }

  /** Flush, then stop the thread (also after a failure). */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.worker.terminate();
    }
  }

  private failAll(error: Error) {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
