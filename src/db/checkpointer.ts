import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SQLITE_DRIVER } from './sqlite-file.js';

/**
 * The checkpointer thread: its own connection; every `intervalMs`, when the write-ahead log changed
 * since the last look, a PASSIVE checkpoint. Plain CommonJS source so that it runs the same from the
 * build, under tsx and under Vitest, with no loader.
 */
const WORKER_SOURCE = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');
const wal = workerData.file + '-wal';
let seen = 0;
const timer = setInterval(() => {
  let changed;
  try {
    changed = fs.statSync(wal).mtimeMs;
  } catch {
    return; // no log yet, or it was just removed
  }
  if (changed === seen) return;
  seen = changed;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or locked: the next tick tries again
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  process.exit(0);
});
`;

export interface Checkpointer {
  /** Stop the thread and close its connection (before the main connection closes, so that one checkpoints last). */
  stop(): Promise<void>;
}

/**
 * Fold SQLite's write-ahead log back into the database on a thread of its own. By default SQLite
 * checkpoints inside whichever commit pushes the log past 1,000 pages, so a small write (a score
 * run over a few accounts, an API request) now and then pays for copying every page written
 * before it. With this running, the caller turns automatic checkpoints off on its connection: a
 * PASSIVE checkpoint never blocks readers or writers, and runs here on another core.
 *
 * @example
 * const checkpointer = startCheckpointer('./data/beton.sqlite', {
 *   onFailure: () => sqlite.pragma('wal_autocheckpoint = 1000'),
 * });
 * sqlite.pragma('wal_autocheckpoint = 0');
 * await checkpointer.stop();
 */
export function startCheckpointer(
  file: string,
  options: { intervalMs?: number; onFailure?: (error: Error) => void } = {},
): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver: SQLITE_DRIVER, intervalMs: options.intervalMs ?? 250 },
  });
  // A CLI command that is done exits without waiting for the thread.
  worker.unref();
  worker.on('error', (error) => options.onFailure?.(error));
  const exited = once(worker, 'exit').then(
    () => undefined,
    () => undefined,
  );
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        // Held again while it stops: a process with nothing else to do would exit before the close.
        worker.ref();
        worker.postMessage('stop');
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5_000, 'timeout').unref());
        if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
      })();
      return stopping;
    },
  };
}
