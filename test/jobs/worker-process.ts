/**
 * One Beton worker process for the scale-out test and benchmark: a runtime on the given Postgres
 * schema with the testkit integration registered, running exactly what `beton worker` runs
 * (`startWorker`). Orders as JSON in env BETON_TEST_WORKER (see `WorkerOrders`). Prints
 * `{"ready":true,"pid":…}` once started; SIGTERM stops it the way `beton worker` stops (exit 0).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { startWorker } from '../../src/cli/commands/worker.js';
import { loadConfig } from '../../src/core/config.js';
import type { RateLimit } from '../../src/core/http/index.js';
import { createLogger } from '../../src/core/logger.js';
import { createRuntime } from '../../src/runtime/index.js';
import { makeTestkit } from '../support/testkit-integration/index.js';

export interface WorkerOrders {
  databaseUrl: string;
  schema: string;
  keyringSpec: string;
  leaseSeconds: number;
  syncConcurrency: number;
  /** The testkit client's rate budget per credential (default: the integration's). */
  rateLimit?: RateLimit;
  /** Also schedule `test.tick`, recording each firing in the table `tick_fires`. */
  tickSeconds?: number;
}

const orders = JSON.parse(process.env.BETON_TEST_WORKER ?? '{}') as WorkerOrders;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-worker-'));
const config = loadConfig({
  DATABASE_URL: orders.databaseUrl,
  BETON_DATA_DIR: dataDir,
  BETON_ENCRYPTION_KEYS: orders.keyringSpec,
  BETON_AUTH_SECRET: 'scale-out-test-secret-of-at-least-32-chars',
  BETON_ALLOW_PRIVATE_HOSTS: 'true',
  BETON_DEMO: 'false',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  NODE_ENV: 'test',
});
const rt = await createRuntime(config, {
  logger: createLogger({ level: config.LOG_LEVEL, destination: process.stderr }),
  schema: orders.schema,
  migrate: false,
  integrations: [makeTestkit(orders.rateLimit ? { rateLimit: orders.rateLimit } : {})],
  httpOptions: { retry: { baseDelayMs: 50, maxWaitMs: 3_000, maxAttempts: 8 }, timeoutMs: 10_000 },
  jobs: {
    leaseSeconds: orders.leaseSeconds,
    pollSeconds: 0.5,
    maintenanceSeconds: 1,
    syncConcurrency: orders.syncConcurrency,
  },
});
if (orders.tickSeconds) {
  rt.jobs.register('test.tick', async (_payload, ctx) => {
    await sql`insert into tick_fires (job_id, pid) values (${ctx.jobId}, ${process.pid})`.execute(
      rt.db.kysely,
    );
  });
  await rt.jobs.schedule('test.tick', { everyMinutes: orders.tickSeconds / 60 });
}
const stop = await startWorker(rt);
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await stop();
    await rt.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  })();
});
