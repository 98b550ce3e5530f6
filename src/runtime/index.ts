import { registerAlertJobs } from '../alerts/index.js';
import { type BetonAuth, createBetonAuth, loadAuthSecret, migrateAuthTables } from '../auth/index.js';
import { type Clock, systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { type Keyring, loadKeyring } from '../core/crypto.js';
import type { RetryPolicy } from '../core/http/index.js';
import { createLogger, type Logger } from '../core/logger.js';
import { type Db, migrateToLatest, openDatabase } from '../db/index.js';
import { type AnyIntegration, createRegistry, type IntegrationRegistry } from '../integrations/index.js';
import {
  createJobRunner,
  enqueueAfterSync,
  type JobRunner,
  type JobRunnerTuning,
  registerPipelineJobs,
  registerRunJobs,
  registerScoreJobs,
  registerSegmentListJobs,
  registerSyncJobs,
} from '../jobs/index.js';
import { registerOutboundWebhookJobs } from '../outbound-webhooks/index.js';
import { assertKeyringOpensSecrets, databaseHoldsSecrets } from './encrypted-columns.js';

export {
  assertKeyringOpensSecrets,
  databaseHoldsSecrets,
  type EncryptedColumn,
  encryptedColumns,
  keyIdsInUse,
  type RotationProgress,
  rotateSecrets,
  secretSamplesByKeyId,
} from './encrypted-columns.js';

/**
 * Everything a running Beton needs, built once and passed down: the API server, the CLI commands
 * and the tests all start from `createRuntime`. Later parts hang their services here (the job
 * runner, the integration registry) so nothing reaches for globals.
 */
export interface Runtime {
  config: Config;
  db: Db;
  keyring: Keyring;
  logger: Logger;
  clock: Clock;
  auth: BetonAuth;
  // ── services added by later parts (jobs, integrations) go below this line ──
  /** The integrations this process knows (the registry's list, or a test's own). */
  integrations: IntegrationRegistry;
  /**
   * Runs sync, enrich, push and pipeline jobs: pg-boss on Postgres, in-process on SQLite.
   * Started by `beton serve` and `beton worker`; other commands only enqueue.
   */
  jobs: JobRunner;
  /** Retry and timeout overrides for outbound calls (tests). */
  httpOptions?: { retry?: Partial<RetryPolicy>; timeoutMs?: number };
  /** Release the database and anything else opened by the runtime. Safe to call twice. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  clock?: Clock;
  /** Apply pending migrations (better-auth's, then Beton's). Default true. */
  migrate?: boolean;
  /** Postgres schema to run in (tests isolate themselves with one schema each). */
  schema?: string;
  /** Integrations to register instead of the shipped list (tests). */
  integrations?: readonly AnyIntegration[];
  /** Retry and timeout overrides for outbound calls (tests use small caps). */
  httpOptions?: { retry?: Partial<RetryPolicy>; timeoutMs?: number };
  /** Job runner tuning (tests and benchmarks): a short lease, fast polling, sync runs per process. */
  jobs?: JobRunnerTuning & { syncConcurrency?: number };
}

/**
 * Open the database, migrate it, load the encryption keyring and refuse to go on if any stored
 * secret was encrypted with a key the ring lacks — a fresh key is never generated for a database
 * that already holds secrets.
 *
 * @example
 * const rt = await createRuntime(loadConfig());
 * try { await doWork(rt); } finally { await rt.close(); }
 */
export async function createRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = opts.logger ?? createLogger({ level: config.LOG_LEVEL });
  const clock = opts.clock ?? systemClock;
  const db = openDatabase(
    config.database.dialect === 'postgres' && opts.schema
      ? { ...config.database, schema: opts.schema }
      : config.database,
  );
  try {
    const secret = loadAuthSecret(config);
    const authDeps = { config, db, logger, secret };
    if (opts.migrate !== false) {
      await migrateAuthTables(authDeps);
      const applied = await migrateToLatest(db.kysely);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
    const holdsSecrets = await databaseHoldsSecrets(db.kysely);
    const keyring = loadKeyring({
      spec: config.BETON_ENCRYPTION_KEYS,
      dataDir: config.dataDir,
      mayCreate: !holdsSecrets,
    });
    if (holdsSecrets) await assertKeyringOpensSecrets(db.kysely, keyring);
    const auth = createBetonAuth(authDeps);

    let closed = false;
    const runtime: Runtime = {
      config,
      db,
      keyring,
      logger,
      clock,
      auth,
      integrations: createRegistry(opts.integrations),
      jobs: createJobRunner(config.database, {
        logger,
        ...(opts.schema ? { schema: opts.schema } : {}),
        ...opts.jobs,
      }),
      ...(opts.httpOptions ? { httpOptions: opts.httpOptions } : {}),
      async close() {
        if (closed) return;
        closed = true;
        await runtime.jobs.stop({ graceMs: 10_000 });
        await db.close();
      },
    };
    registerSyncJobs(runtime.jobs, runtime, {
      intervalMinutes: config.BETON_SYNC_INTERVAL_MINUTES,
      ...(opts.jobs?.leaseSeconds ? { leaseMs: opts.jobs.leaseSeconds * 1000 } : {}),
      ...(opts.jobs?.syncConcurrency ? { concurrency: opts.jobs.syncConcurrency } : {}),
      // A scheduled or manual sync that changed data flows on into scores (a pipeline pass syncs itself).
      onRunFinished: async (run, workspaceId) => {
        const changed = run.counts.written + run.counts.deleted > 0;
        if (run.trigger !== 'pipeline' && changed && run.status !== 'failed') {
          await enqueueAfterSync(runtime.jobs, workspaceId);
        }
      },
    });
    registerRunJobs(runtime.jobs, runtime);
    registerScoreJobs(runtime.jobs, runtime);
    registerSegmentListJobs(runtime.jobs, runtime);
    registerPipelineJobs(runtime.jobs, runtime);
    registerAlertJobs(runtime.jobs, runtime);
    registerOutboundWebhookJobs(runtime.jobs, runtime);
    return runtime;
  } catch (error) {
    await db.close();
    throw error;
  }
}
