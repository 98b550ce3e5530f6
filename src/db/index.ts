export { BackgroundWriter, type WriteBatch } from './background-writer.js';
export {
  insertRows,
  insertStatement,
  preparedStatement,
  selectRows,
  selectRowsOnThread,
  valuesOf,
} from './bulk.js';
export { type DatabaseTarget, type Db, openDatabase, type StorageHealth, sqliteHandleOf } from './dialect.js';
export { fromJson, toJson } from './json.js';
export { migrateToLatest, pendingMigrations } from './migrate.js';
export type * from './schema/index.js';
export { readOnThread, type ThreadResult } from './sqlite-thread.js';
export { isUniqueViolation, StorageError, storageErrorOf } from './storage-errors.js';
export { checkWritable, type WriteCheck } from './write-probe.js';
