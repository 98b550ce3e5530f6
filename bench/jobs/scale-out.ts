import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
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
/** Records a second one run can move while its source's limit binds it. */
const PER_RUN_LIMIT = RATE * PAGE;
/** A run at this share of its key's limit (or more) is bound by the limit, not by Beton. */
const BOUND = 0.85;

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

/** Linux's clock ticks per second for /proc times (USER_HZ: 100 on every mainstream build). */
const TICKS = 100;

/** CPU seconds a process has used (user + system), or undefined without /proc (macOS). */
function processCpu(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}

/** The machine's busy and total CPU seconds over all cores so far, or undefined without /proc. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy: busy / TICKS, total: (busy + idle! + iowait!) / TICKS };
  } catch {
    return undefined;
  }
}

interface CpuSample {
  workers: number | undefined;
  sources: number | undefined;
  /** CPU seconds of each Postgres backend serving the bench database, by pid. */
  postgres: Map<number, number> | undefined;
  machine: { busy: number; total: number } | undefined;
}

/** The Postgres backends of this database (the workers' pools, their queues and locks, the bench's). */
async function postgresBackends(url: string): Promise<Map<number, number> | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = processCpu(pid);
      if (seconds === undefined) return undefined; // Postgres on another machine (or /proc hidden)
      cpu.set(pid, seconds);
    }
    return cpu;
  } finally {
    await client.end();
  }
}

async function sampleCpu(
  url: string,
  workerPids: number[],
  sourcesPid: number | undefined,
): Promise<CpuSample> {
  const perWorker = workerPids.map(processCpu);
  return {
    workers: perWorker.every((v) => v !== undefined) ? perWorker.reduce((a, b) => a! + b!, 0) : undefined,
    sources: processCpu(sourcesPid),
    postgres: await postgresBackends(url),
    machine: machineCpu(),
  };
}

interface Sources {
  sims: Array<{ url: string; apiKey: string }>;
  pid: number | undefined;
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
    pid: child.pid,
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
  /** Median over runs of records written per second from the run's start to its end. */
  perRun: number;
  /** CPU over the measured window, in cores (CPU seconds per second); undefined without /proc. */
  cpu: {
    /** This process: it queues the runs and polls them. */
    driver: number;
    workers?: number;
    sources?: number;
    postgres?: number;
    machine?: number;
    machineShare?: number;
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

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
    const workerPids = processes.map((p) => p.pid);
    const cpuBefore = await sampleCpu(url, workerPids, sources.pid);
    const driverBefore = process.cpuUsage();
    const wallBefore = Date.now();
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
    const driver = process.cpuUsage(driverBefore);
    const cpuAfter = await sampleCpu(url, workerPids, sources.pid);
    const wall = (Date.now() - wallBefore) / 1000;
    const after = await sources.stats();
    const from = Math.min(...runs.map((r) => Date.parse(r.createdAt)));
    const to = Math.max(...runs.map((r) => Date.parse(r.finishedAt!)));
    const cores = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b !== undefined ? (b - a) / wall : undefined;
    const machine =
      cpuBefore.machine && cpuAfter.machine
        ? {
            busy: cpuAfter.machine.busy - cpuBefore.machine.busy,
            total: cpuAfter.machine.total - cpuBefore.machine.total,
          }
        : undefined;
    const cpu: Measurement['cpu'] = { driver: (driver.user + driver.system) / 1e6 / wall };
    const w = cores(cpuBefore.workers, cpuAfter.workers);
    const src = cores(cpuBefore.sources, cpuAfter.sources);
    if (w !== undefined) cpu.workers = w;
    if (src !== undefined) cpu.sources = src;
    if (cpuBefore.postgres && cpuAfter.postgres) {
      // A backend that started during the window counts from zero; one that ended is lost (few: pools keep theirs).
      let seconds = 0;
      for (const [pid, end] of cpuAfter.postgres) seconds += end - (cpuBefore.postgres.get(pid) ?? 0);
      cpu.postgres = seconds / wall;
    }
    if (machine && machine.total > 0) {
      cpu.machine = machine.busy / wall;
      cpu.machineShare = machine.busy / machine.total;
    }
    return {
      workers,
      records: runs.reduce((sum, r) => sum + r.counts.written, 0),
      seconds: (to - from) / 1000,
      requests: after.requests - before.requests,
      rateLimited: after.rateLimited - before.rateLimited,
      failed: runs.filter((r) => r.status !== 'succeeded').length,
      perRun: median(
        runs.map(
          (r) =>
            r.counts.written / ((Date.parse(r.finishedAt!) - Date.parse(r.startedAt ?? r.createdAt)) / 1000),
        ),
      ),
      cpu,
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
  description: `sync throughput over ${CONNECTIONS} connections with ${WORKER_COUNTS.join(', ')} workers on Postgres (pg-boss), each key budgeted at ${RATE} requests/s; records/s, per-run rate, requests/s against the sources' limits, and CPU`,
  async run(ctx) {
    const server = await reachablePostgres();
    if (!server) {
      ctx.log('skipped: no Postgres answers at 127.0.0.1:5432 (or DATABASE_URL); this suite needs one');
      return [];
    }
    // Twenty pages a source: ten seconds a run at its key's limit, so every run is bound by it.
    const items = Math.max(PAGE * 4, Math.round(PAGE * 20 * Math.max(ctx.scale, 0.4)));
    const database = `beton_bench_${Date.now().toString(36)}_${process.pid}`;
    await adminQuery(server, `create database ${database}`);
    const url = new URL(server);
    url.pathname = `/${database}`;
    const sources = await startSources(items);
    const results: BenchResult[] = [];
    const measured = new Map<number, Measurement>();
    const cores = os.availableParallelism();
    const fmt = (n: number | undefined, digits = 1) => (n === undefined ? 'n/a' : n.toFixed(digits));
    try {
      for (const workers of WORKER_COUNTS) {
        const m = await measure(url.toString(), sources, workers);
        if (m.failed > 0) throw new Error(`${m.failed} runs did not succeed with ${workers} workers`);
        measured.set(workers, m);
        const rate = m.records / m.seconds;
        const atOnce = Math.min(CONNECTIONS, workers * PER_WORKER);
        const ceiling = atOnce * PER_RUN_LIMIT;
        const requestRate = m.requests / m.seconds;
        const label = `${workers} worker${workers > 1 ? 's' : ''}`;
        ctx.log(
          `${label}: ${Math.round(rate)} records/s (${atOnce} runs at once, ceiling ${ceiling}); per run ${fmt(m.perRun)}/s of ${PER_RUN_LIMIT}; ${fmt(requestRate)} requests/s of ${atOnce * RATE} (all keys ${CONNECTIONS * RATE}); ${m.rateLimited}/${m.requests} answered 429; CPU: machine ${fmt(m.cpu.machine, 2)} of ${cores} cores, workers ${fmt(m.cpu.workers, 2)}, sources ${fmt(m.cpu.sources, 2)}`,
        );
        results.push({
          metric: `${label}: records/s`,
          value: Math.round(rate),
          unit: 'records/s',
          note: `${m.records.toLocaleString('en-US')} records in ${m.seconds.toFixed(1)} s (first run queued → last run ended); ${atOnce} runs at once, whose keys allow ${ceiling.toLocaleString('en-US')}/s (${Math.round((rate / ceiling) * 100)}%)`,
        });
        results.push({
          metric: `${label}: per-run records/s (median)`,
          value: Math.round(m.perRun * 10) / 10,
          unit: 'records/s',
          note: `each run from its start to its end; its key allows ${PER_RUN_LIMIT}/s (${RATE} requests/s × ${PAGE} records): ${Math.round((m.perRun / PER_RUN_LIMIT) * 100)}%`,
        });
        results.push({
          metric: `${label}: requests/s to the sources`,
          value: Math.round(requestRate * 10) / 10,
          unit: 'requests/s',
          note: `the ${atOnce} keys in use allow ${atOnce * RATE}/s (${Math.round((requestRate / (atOnce * RATE)) * 100)}%); all ${CONNECTIONS} sources together allow ${CONNECTIONS * RATE}/s budgeted (${CONNECTIONS * SOURCE_LIMIT}/s enforced) (${Math.round((requestRate / (CONNECTIONS * RATE)) * 100)}%)`,
        });
        results.push({
          metric: `${label}: requests answered 429`,
          value: m.requests > 0 ? Math.round((m.rateLimited / m.requests) * 1000) / 10 : 0,
          unit: '%',
          target: { op: '<=', value: 1 },
          note: `${m.rateLimited} of ${m.requests} (sources allow ${SOURCE_LIMIT}/s a key): each key's budget is spent by one worker at a time`,
        });
        const beton = betonCores(m);
        if (beton !== undefined) {
          results.push({
            metric: `${label}: CPU of workers + Postgres`,
            value: Math.round(beton * 100) / 100,
            unit: 'cores',
            note: `workers ${fmt(m.cpu.workers, 2)} + Postgres backends ${fmt(m.cpu.postgres, 2)} of ${cores} cores: ${fmt((beton / rate) * 1000, 2)} cores per 1,000 records/s, so ${cores} cores would carry ≈${Math.round((cores / beton) * rate).toLocaleString('en-US')} records/s before CPU binds`,
          });
        }
        if (m.cpu.machineShare !== undefined) {
          results.push({
            metric: `${label}: CPU busy, whole machine`,
            value: Math.round(m.cpu.machineShare * 1000) / 10,
            unit: '%',
            note: `${fmt(m.cpu.machine, 2)} of ${cores} cores busy, shared with whatever else runs: workers + Postgres ${fmt(beton, 2)}, source simulators ${fmt(m.cpu.sources, 2)}, the bench itself ${fmt(m.cpu.driver, 2)}, other processes ${fmt((m.cpu.machine ?? 0) - (beton ?? 0) - (m.cpu.sources ?? 0) - m.cpu.driver, 2)}`,
          });
        }
      }
      const first = WORKER_COUNTS[0]!;
      const last = WORKER_COUNTS[WORKER_COUNTS.length - 1]!;
      const speedUp =
        measured.get(last)!.records /
        measured.get(last)!.seconds /
        (measured.get(first)!.records / measured.get(first)!.seconds);
      const verdicts = WORKER_COUNTS.map((w) => `${w}: ${bindingBound(measured.get(w)!)}`);
      ctx.log(`which bound binds — ${verdicts.join('; ')}`);
      results.push({
        metric: `speed-up, ${last} workers vs ${first}`,
        value: Math.round(speedUp * 100) / 100,
        unit: '×',
        note: `ideal ${Math.min(CONNECTIONS, last * PER_WORKER) / Math.min(CONNECTIONS, first * PER_WORKER)}× while the sources' limits bind every run. Which bound binds, by workers — ${verdicts.join('; ')}`,
      });
      return results;
    } finally {
      await sources.stop();
      await adminQuery(server, `drop database if exists ${database} with (force)`);
    }
  },
};

/** Cores Beton itself used: its worker processes and the Postgres backends serving them. */
function betonCores(m: Measurement): number | undefined {
  return m.cpu.workers !== undefined && m.cpu.postgres !== undefined
    ? m.cpu.workers + m.cpu.postgres
    : undefined;
}

/**
 * Which bound holds a configuration back: the sources' limits when each run moves at (nearly) its
 * key's limit; the CPU when the machine is (nearly) saturated and the runs fall short of it
 * (saying how much of it Beton used, the machine being shared); otherwise neither fully (the
 * overhead between runs: queueing, start-up).
 */
function bindingBound(m: Measurement): string {
  const atLimit = m.perRun / PER_RUN_LIMIT;
  const busy = m.cpu.machineShare;
  const beton = betonCores(m);
  const runs = `runs at ${Math.round(atLimit * 100)}% of their keys' limit`;
  const cpu =
    busy === undefined
      ? 'CPU not measured'
      : `machine ${Math.round(busy * 100)}% busy${beton === undefined ? '' : `, ${beton.toFixed(2)} cores of it workers + Postgres`}`;
  if (atLimit >= BOUND) return `the sources' rate limits (${runs}; ${cpu})`;
  if (busy !== undefined && busy >= BOUND) return `CPU (${cpu}; ${runs})`;
  return `neither fully (${runs}; ${cpu})`;
}
