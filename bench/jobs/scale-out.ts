import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type ConnectionDeps, putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createRegistry } from '../../src/integrations/index.js';
import { enqueueSync, PgBossJobRunner, pgBossSchema, registerSyncJobs } from '../../src/jobs/index.js';
import { listRuns, type SyncRun } from '../../src/sync/index.js';
import { spawnWorker, type WorkerProcess } from '../../test/jobs/support.js';
import { makeTestkit } from '../../test/support/testkit-integration/integration.js';
import { firstLine, spawnTs } from '../support/processes.js';
import type { BenchResult, BenchSuite } from '../types.js';

const CONNECTIONS = 40;
/** Requests per second the client budgets for each key (the integration's declared limit). */
const RATE = 2;
/**
 * What each source enforces, in fixed one-second windows: one request of headroom for arrival
 * jitter. Two processes spending one key's budget would send 2 × RATE and be answered 429 at once.
 */
const SOURCE_LIMIT = RATE + 1;
const PAGE = 25;
/** Sync runs at once per worker: four workers run all forty connections at once. */
const PER_WORKER = 10;
const WORKER_COUNTS = [1, 2, 4];

const silent = createLogger({ level: 'silent' });

/** The Postgres the bench may create a database on, or undefined when none answers. */
async function reachablePostgres(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL?.startsWith('postgres')
    ? process.env.DATABASE_URL
    : 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

interface Sources {
  sims: Array<{ url: string; apiKey: string }>;
  stats(): Promise<{ requests: number; rateLimited: number }>;
  stop(): Promise<void>;
}

async function startSources(items: number): Promise<Sources> {
  const child = spawnTs('bench/jobs/simulators-process.ts', [
    JSON.stringify({ count: CONNECTIONS, items, ratePerSecond: SOURCE_LIMIT }),
  ]);
  const sims = await firstLine<Array<{ url: string; apiKey: string }>>(child);
  return {
    sims,
    async stats() {
      const all = await Promise.all(
        sims.map(
          async (s) =>
            (await fetch(`${s.url}/__stats`)).json() as Promise<{ requests: number; rateLimited: number }>,
        ),
      );
      // Each /__stats call counts itself as a request.
      return all.reduce(
        (sum, s) => ({
          requests: sum.requests + s.requests - 1,
          rateLimited: sum.rateLimited + s.rateLimited,
        }),
        {
          requests: 0,
          rateLimited: 0,
        },
      );
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

interface Measurement {
  workers: number;
  records: number;
  seconds: number;
  requests: number;
  rateLimited: number;
  failed: number;
}

/** Forty connections' full syncs through `workers` worker processes on one pg-boss queue. */
async function measure(url: string, sources: Sources, workers: number): Promise<Measurement> {
  const schema = `bench_w${workers}_${randomBytes(3).toString('hex')}`;
  await adminQuery(url, `create schema ${schema}`);
  const db = openDatabase({ dialect: 'postgres', url, schema, poolSize: 4 });
  const keyringSpec = Keyring.generateSpec('b1');
  const processes: WorkerProcess[] = [];
  const producer = new PgBossJobRunner({
    connectionString: url,
    schema: pgBossSchema(schema),
    logger: silent,
  });
  try {
    await migrateToLatest(db.kysely);
    const deps: ConnectionDeps = {
      db,
      keyring: Keyring.fromSpec(keyringSpec),
      logger: silent,
      clock: systemClock,
      config: { BETON_ALLOW_PRIVATE_HOSTS: true },
      integrations: createRegistry([makeTestkit()]),
      env: {},
    };
    registerSyncJobs(producer, deps, { intervalMinutes: 60 });
    // Workers first, so the clock starts when the runs are queued, not while processes boot.
    const orders = {
      databaseUrl: url,
      schema,
      keyringSpec,
      leaseSeconds: 30,
      syncConcurrency: PER_WORKER,
      rateLimit: { perSecond: RATE },
    };
    processes.push(...(await Promise.all(Array.from({ length: workers }, () => spawnWorker(orders)))));
    const workspaces = sources.sims.map((_, i) => `bench_${i}`);
    await Promise.all(
      sources.sims.map((sim, i) =>
        putConnection(
          deps,
          { workspaceId: workspaces[i]!, audit: { actorType: 'system', actorId: null } },
          'testkit',
          {
            credentials: { apiKey: sim.apiKey },
            settings: { baseUrl: sim.url, pageSize: PAGE },
          },
        ),
      ),
    );
    // Let the validation calls' one-second windows pass before the clock starts.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const before = await sources.stats();
    await Promise.all(
      workspaces.map((ws) =>
        // A worker's start-up schedule may have queued the run already (409): either way it runs once.
        enqueueSync(deps, producer, ws, 'testkit', { trigger: 'api' }).catch(() => undefined),
      ),
    );
    let runs: SyncRun[] = [];
    for (;;) {
      runs = (await Promise.all(workspaces.map((ws) => listRuns(db.kysely, ws)))).flat();
      if (runs.length === CONNECTIONS && runs.every((r) => r.finishedAt)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const after = await sources.stats();
    const from = Math.min(...runs.map((r) => Date.parse(r.createdAt)));
    const to = Math.max(...runs.map((r) => Date.parse(r.finishedAt!)));
    return {
      workers,
      records: runs.reduce((sum, r) => sum + r.counts.written, 0),
      seconds: (to - from) / 1000,
      requests: after.requests - before.requests,
      rateLimited: after.rateLimited - before.rateLimited,
      failed: runs.filter((r) => r.status !== 'succeeded').length,
    };
  } finally {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await producer.stop({ graceMs: 1_000 });
    await db.close();
    await adminQuery(url, `drop schema if exists ${schema}, ${pgBossSchema(schema)} cascade`);
  }
}

export const scaleOut: BenchSuite = {
  name: 'scale-out',
  description: `sync throughput over ${CONNECTIONS} connections with ${WORKER_COUNTS.join(', ')} workers on Postgres (pg-boss), each key budgeted at ${RATE} requests/s`,
  async run(ctx) {
    const server = await reachablePostgres();
    if (!server) {
      ctx.log('skipped: no Postgres answers at 127.0.0.1:5432 (or DATABASE_URL); this suite needs one');
      return [];
    }
    // Ten pages a source: five seconds a run at its budget, so every run is bound by its limit.
    const items = Math.max(PAGE * 4, Math.round(PAGE * 10 * Math.max(ctx.scale, 0.4)));
    const database = `beton_bench_${Date.now().toString(36)}_${process.pid}`;
    await adminQuery(server, `create database ${database}`);
    const url = new URL(server);
    url.pathname = `/${database}`;
    const sources = await startSources(items);
    const results: BenchResult[] = [];
    const throughput = new Map<number, number>();
    try {
      for (const workers of WORKER_COUNTS) {
        const m = await measure(url.toString(), sources, workers);
        if (m.failed > 0) throw new Error(`${m.failed} runs did not succeed with ${workers} workers`);
        const rate = m.records / m.seconds;
        const atOnce = Math.min(CONNECTIONS, workers * PER_WORKER);
        const ceiling = atOnce * RATE * PAGE;
        throughput.set(workers, rate);
        ctx.log(
          `${workers} worker(s): ${Math.round(rate)} records/s (${atOnce} runs at once, ceiling ${ceiling}); ${m.rateLimited}/${m.requests} answered 429`,
        );
        results.push({
          metric: `${workers} worker${workers > 1 ? 's' : ''}: records/s`,
          value: Math.round(rate),
          unit: 'records/s',
          note: `${m.records.toLocaleString('en-US')} records in ${m.seconds.toFixed(1)} s; ${atOnce} runs at once, the keys' budgets allow ${ceiling.toLocaleString('en-US')}/s (${Math.round((rate / ceiling) * 100)}%)`,
        });
        results.push({
          metric: `${workers} worker${workers > 1 ? 's' : ''}: of the rate-limit ceiling`,
          value: Math.round((rate / ceiling) * 1000) / 10,
          unit: '%',
        });
        results.push({
          metric: `${workers} worker${workers > 1 ? 's' : ''}: requests answered 429`,
          value: m.requests > 0 ? Math.round((m.rateLimited / m.requests) * 1000) / 10 : 0,
          unit: '%',
          target: { op: '<=', value: 1 },
          note: `${m.rateLimited} of ${m.requests} (sources allow ${SOURCE_LIMIT}/s a key): each key's budget is spent by one worker at a time`,
        });
      }
      const first = WORKER_COUNTS[0]!;
      const last = WORKER_COUNTS[WORKER_COUNTS.length - 1]!;
      results.push({
        metric: `speed-up, ${last} workers vs ${first}`,
        value: Math.round((throughput.get(last)! / throughput.get(first)!) * 100) / 100,
        unit: '×',
        note: `ideal ${Math.min(CONNECTIONS, last * PER_WORKER) / Math.min(CONNECTIONS, first * PER_WORKER)}× while the sources' limits bind every run`,
      });
      return results;
    } finally {
      await sources.stop();
      await adminQuery(server, `drop database if exists ${database} with (force)`);
    }
  },
};
