import type { Logger } from '../core/logger.js';
import type { DatabaseTarget } from '../db/index.js';
import { InProcessJobRunner } from './in-process.js';
import { PgBossJobRunner, pgBossSchema } from './pg-boss.js';
import type { JobRunner } from './runner.js';

/** Tuning for the Postgres runner (tests and benchmarks shorten the lease and the polling). */
export interface JobRunnerTuning {
  /** How long a silent worker keeps its jobs and sync runs before another takes them (default 60 s). */
  leaseSeconds?: number;
  /** How often an idle worker looks for jobs (default 2 s). */
  pollSeconds?: number;
  /** How often expired jobs are handed back (default 15 s). */
  maintenanceSeconds?: number;
}

/**
 * The runner for a database: pg-boss on Postgres (queues shared by every process on the database,
 * in `<schema>_pgboss`, or `pgboss` beside `public`), the in-process runner on SQLite. Handlers are
 * the same for both.
 *
 * @example
 * const jobs = createJobRunner(config.database, { logger });
 * jobs.kind; // 'pg-boss' when DATABASE_URL is postgres://
 */
export function createJobRunner(
  database: DatabaseTarget,
  opts: { logger: Logger; schema?: string } & JobRunnerTuning,
): JobRunner {
  if (database.dialect === 'sqlite') return new InProcessJobRunner({ logger: opts.logger });
  const schema = opts.schema ?? database.schema;
  return new PgBossJobRunner({
    connectionString: database.url,
    logger: opts.logger,
    ...(schema ? { schema: pgBossSchema(schema) } : {}),
    ...(opts.leaseSeconds !== undefined ? { leaseSeconds: opts.leaseSeconds } : {}),
    ...(opts.pollSeconds !== undefined ? { pollSeconds: opts.pollSeconds } : {}),
    ...(opts.maintenanceSeconds !== undefined ? { maintenanceSeconds: opts.maintenanceSeconds } : {}),
  });
}
