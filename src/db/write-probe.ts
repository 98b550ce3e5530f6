import { sql } from 'kysely';
import type { Db } from './dialect.js';
import { type StorageError, storageErrorOf } from './storage-errors.js';

/** How long a probe's answer stands: readiness checks come every few seconds from each balancer. */
const PROBE_TTL_MS = 5_000;
/** How long a disk failure met by a real query keeps the database "cannot write" without a write since. */
const FAULT_TTL_MS = 60_000;

export type WriteCheck = { writable: true } | { writable: false; error: StorageError | Error };

const cache = new WeakMap<Db, { at: number; check: Promise<WriteCheck> }>();

/**
 * Whether the database can take a write now, for `/readyz`. SQLite: a recent disk failure met by a
 * real query (until a write succeeds again), a database at its page limit, or a probe that rewrites
 * the file header in an immediate transaction (one page to the log: it fails on a full disk or a
 * read-only file). Postgres: whether the session is read-only (a replica, or
 * `default_transaction_read_only`). A success is cached for 5 s.
 *
 * @example
 * const check = await checkWritable(rt.db);
 * if (!check.writable) reply.status(503).send({ database: 'cannot_write', reason: check.error.message });
 */
export function checkWritable(db: Db, now = Date.now()): Promise<WriteCheck> {
  const fault = db.storage?.lastFault;
  if (fault && now - fault.at < FAULT_TTL_MS) return Promise.resolve({ writable: false, error: fault.error });
  const cached = cache.get(db);
  if (cached && now - cached.at < PROBE_TTL_MS) return cached.check;
  const check = probe(db).catch((error: unknown): WriteCheck => {
    // Only a success is cached: after a failure the next check probes again, so the database
    // reads ready as soon as the disk has room (or is writable) again.
    cache.delete(db);
    return {
      writable: false,
      error: storageErrorOf(error, db.dialect === 'sqlite' ? db.describe : undefined) ?? (error as Error),
    };
  });
  cache.set(db, { at: now, check });
  return check;
}

async function probe(db: Db): Promise<WriteCheck> {
  if (db.dialect === 'postgres') {
    const { rows } = await sql<{ transaction_read_only: string }>`show transaction_read_only`.execute(
      db.kysely,
    );
    if (rows[0]?.transaction_read_only === 'on') {
      return {
        writable: false,
        error: new Error(
          'The Postgres session is read-only (a replica, or default_transaction_read_only is on).',
        ),
      };
    }
    return { writable: true };
  }
  return db.kysely.transaction().execute(async (trx) => {
    const { rows: pages } = await sql<{ page_count: number }>`pragma page_count`.execute(trx);
    const { rows: max } = await sql<{ max_page_count: number }>`pragma max_page_count`.execute(trx);
    if (Number(pages[0]?.page_count) >= Number(max[0]?.max_page_count)) {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    }
    const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(trx);
    // The same value written back: the header page goes to the log, nothing changes.
    await sql.raw(`pragma user_version = ${Number(rows[0]?.user_version ?? 0)}`).execute(trx);
    return { writable: true } as const;
  });
}
