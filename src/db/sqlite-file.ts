import { createRequire } from 'node:module';

/** better-sqlite3's entry point, for the threads that open a connection of their own with `require`. */
export const SQLITE_DRIVER: string = createRequire(import.meta.url).resolve('better-sqlite3');

/** Whether another connection (a thread's) can open this SQLite target: a file, not in-memory. */
export const isSqliteFile = (file: string): boolean => file !== '' && file !== ':memory:';
