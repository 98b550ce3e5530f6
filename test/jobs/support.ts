import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger } from '../../src/core/logger.js';
import { PgBossJobRunner, pgBossSchema } from '../../src/jobs/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl } from '../support/index.js';
import type { WorkerOrders } from './worker-process.js';

/** Shown as the name of every Postgres-only suite, so a SQLite run says why it skipped them. */
export const NEEDS_POSTGRES = '(Postgres only: skipped unless DATABASE_URL=postgres://…)';

/** Poll until `check` answers truthy (or throw after `timeoutMs`, naming `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Run one statement on the test database with a short-lived client. */
export async function sqlOnce<R extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A fresh schema name whose job queue (`<name>_pgboss`) is dropped by `drop()`, and pg-boss runners
 * on it with a short lease and fast polling, so behaviour shows within seconds.
 *
 * @example
 * const q = testQueue();
 * const a = q.runner();
 * afterAll(() => q.drop());
 */
export function testQueue() {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const runners: PgBossJobRunner[] = [];
  return {
    schema,
    queueSchema: pgBossSchema(schema),
    runner(opts: { leaseSeconds?: number } = {}) {
      const runner = new PgBossJobRunner({
        connectionString: postgresUrl()!,
        schema: pgBossSchema(schema),
        logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
        leaseSeconds: opts.leaseSeconds ?? 3,
        pollSeconds: 0.5,
        maintenanceSeconds: 1,
      });
      runners.push(runner);
      return runner;
    },
    async drop() {
      await Promise.all(runners.map((r) => r.stop({ graceMs: 2_000 })));
      await sqlOnce(`drop schema if exists ${schema}, ${pgBossSchema(schema)} cascade`);
    },
  };
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Start test/jobs/worker-process.ts (what `beton worker` runs, on a test schema) and wait until it
 * says it is ready.
 *
 * @example
 * const w = await spawnWorker({ databaseUrl, schema, keyringSpec, leaseSeconds: 3, syncConcurrency: 2 });
 * w.child.kill('SIGKILL');
 */
export async function spawnWorker(orders: WorkerOrders): Promise<WorkerProcess> {
  const child = spawn(process.execPath, await nodeArgsFor('test/jobs/worker-process.ts'), {
    cwd: ROOT,
    env: { ...process.env, BETON_TEST_WORKER: JSON.stringify(orders) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const at = buffer.indexOf('\n');
      if (at >= 0) resolve((JSON.parse(buffer.slice(0, at)) as { pid: number }).pid);
    });
    void exited.then(({ code }) => reject(new Error(`worker exited (${code}) before it was ready`)));
  });
  return { child, pid, exited };
}
