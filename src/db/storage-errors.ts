import path from 'node:path';
import { AppError } from '../core/errors.js';

/**
 * What the disk under the database says, in words an operator can act on. SQLite reports a full
 * disk, a read-only file or a directory it cannot create files in by code (`SQLITE_FULL`,
 * `SQLITE_READONLY…`, `SQLITE_CANTOPEN`), the file system by errno (`ENOSPC`, `EACCES`, `EROFS`…);
 * each becomes a 503 that names the place and what to do, instead of "unexpected error" or the
 * follow-on "cannot rollback - no transaction is active".
 */
export class StorageError extends AppError {
  override name = 'StorageError';
  constructor(
    code: string,
    message: string,
    /** The SQLite code or errno it was mapped from. */
    readonly reason: string,
  ) {
    super(503, code, message);
  }
}

type Kind = 'full' | 'read_only' | 'cannot_open' | 'io';

function kindOf(code: string): Kind | undefined {
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return 'read_only';
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'ENOENT' || code === 'ENOTDIR') return 'cannot_open';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  return undefined;
}

/**
 * The StorageError for a SQLite or file-system error, or undefined when it is something else.
 * `file` is the database file (or the file being written) when the caller knows it; the data
 * directory named in the message is its directory.
 *
 * @example
 * try { insert.run(row) } catch (e) { throw storageErrorOf(e, '/var/lib/beton/beton.sqlite') ?? e }
 */
export function storageErrorOf(error: unknown, file?: string): StorageError | undefined {
  if (error instanceof StorageError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const kind = kindOf(code);
  if (!kind) return undefined;
  const errorPath = (error as { path?: unknown }).path;
  const where = typeof errorPath === 'string' ? errorPath : file;
  const dir = where
    ? path.extname(where)
      ? path.dirname(where)
      : where
    : 'the data directory (BETON_DATA_DIR)';
  const subject = where ? `${where}` : 'the database';
  switch (kind) {
    case 'full':
      return new StorageError(
        'storage_full',
        `The disk holding ${dir} is full (${code}): Beton cannot write to ${subject}. Free space on that disk, or move BETON_DATA_DIR to a larger one, then retry; the failed change was not kept.`,
        code,
      );
    case 'read_only':
      return new StorageError(
        'storage_read_only',
        `${subject} cannot be written (${code}): ${dir} or the database files in it (with their -wal and -shm files) are read-only for the user running Beton. Give that user write access, or set BETON_DATA_DIR to a writable directory.`,
        code,
      );
    case 'cannot_open':
      return new StorageError(
        'storage_unavailable',
        `${subject} cannot be opened (${code}): ${dir} is missing, is not a directory, or Beton may not create files in it. Create it, writable by the user running Beton, or set BETON_DATA_DIR to one that is.`,
        code,
      );
    case 'io':
      return new StorageError(
        'storage_io_error',
        `The disk holding ${dir} failed a read or write (${code}). Check the disk and the system log; Beton retries on the next request.`,
        code,
      );
  }
}

/**
 * Whether an insert broke a unique index or key (SQLite or Postgres): how a caller turns "someone
 * got there first" into its own answer.
 *
 * @example try { await insertRun(row) } catch (e) { if (isUniqueViolation(e)) throw conflict('…'); throw e; }
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    (typeof e?.message === 'string' && /UNIQUE constraint failed/i.test(e.message))
  );
}
