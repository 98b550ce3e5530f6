import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { sqliteFileOf } from './dialect.js';
import { SQLITE_DRIVER } from './sqlite-file.js';

/** What a thread task returns: its value, and the buffers in it to move rather than copy. */
export interface ThreadResult<T> {
  value: T;
  transfer?: ArrayBuffer[];
}

/**
 * Run a read on another core, on a connection of its own to the same SQLite file, while this thread
 * does other work; resolves with what `task` returned. Null when the database is not a SQLite file
 * (another connection cannot open an in-memory database; Postgres reads are not CPU-bound here).
 *
 * The thread runs the source text of `task` and `helpers`, not a module: they must be
 * self-contained (no imports, no closure over this module's variables) and call each other by name.
 *
 * @example
 * const pending = readOnThread(db, countRows, [], { table: 'accounts' });
 * const count = pending ? await pending : await countHere();
 */
export function readOnThread<I, O>(
  // biome-ignore lint/suspicious/noExplicitAny: any schema
  db: Kysely<any>,
  task: (connection: Database.Database, input: I) => ThreadResult<O>,
  // biome-ignore lint/complexity/noBannedTypes: helpers are passed as source
  helpers: Function[],
  input: I,
): Promise<O> | null {
  const file = sqliteFileOf(db);
  if (!file) return null;
  const source = `
const { parentPort, workerData } = require('node:worker_threads');
// Compilers that keep function names wrap nested functions in __name(): a no-op here.
const __name = (f) => f;
${helpers.map((helper) => helper.toString()).join('\n')}
const task = ${task.toString()};
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true });
db.pragma('busy_timeout = 10000');
try {
  const { value, transfer } = task(db, workerData.input);
  parentPort.postMessage({ value }, transfer || []);
} catch (error) {
  parentPort.postMessage({ error: String(error && error.message ? error.message : error) });
} finally {
  db.close();
}
`;
  const worker = new Worker(source, {
    eval: true,
    workerData: { file, driver: SQLITE_DRIVER, input },
  });
  return new Promise<O>((resolve, reject) => {
    worker.once('message', (message: { value?: O; error?: string }) => {
      if (message.error !== undefined) reject(new Error(`Background read failed: ${message.error}`));
      else resolve(message.value as O);
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`The reader thread exited (code ${code}) without an answer`)),
    );
  });
}
