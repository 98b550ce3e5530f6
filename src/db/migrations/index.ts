import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';

/**
 * Every migration, in order. One set for SQLite and Postgres. Add a file `NNNN_name.ts` exporting
 * `up(db)` and one line here; never edit a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
};
