import type { AuthTables } from './auth.js';
import type { CoreTables } from './core.js';

export type * from './auth.js';
export type * from './core.js';

/**
 * The whole database as Kysely sees it. Each area declares its tables in its own file here and
 * adds itself to this intersection, so a wrong column name does not compile.
 */
export interface DB extends AuthTables, CoreTables {}
