import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type ConnectionDeps, putConnection } from '../../../src/connections/index.js';
import { type Clock, systemClock } from '../../../src/core/clock.js';
import { Keyring } from '../../../src/core/crypto.js';
import { createLogger } from '../../../src/core/logger.js';
import type { DatabaseTarget } from '../../../src/db/index.js';
import { createRegistry, integrations } from '../../../src/integrations/index.js';
import {
  type Dataset,
  generateDataset,
  type Knobs,
  type RunningSimulators,
  simulatedIntegrations,
  startSimulators,
} from '../../../src/simulators/index.js';
import { executeRun, type SyncRun, startSync } from '../../../src/sync/index.js';
import { createTestDb, type TestDb } from '../../support/index.js';

/**
 * The reliability suites' world: a migrated database (SQLite, or a Postgres schema), the real
 * integrations with small retry caps, and the three source simulators over one small dataset.
 * Every trial syncs into a workspace of its own, and its stored records are compared with a
 * reference sync made with no faults.
 *
 * @example
 * const bed = await createReliabilityBed();
 * const ws = await bed.newWorkspace('stripe');
 * const run = await bed.sync(ws, 'stripe');
 * expect(await bed.fingerprint(ws, 'stripe', 'customers')).toEqual(bed.reference.stripe.customers);
 */
export type Source = string;
/** Every registered source that has a simulator, in pipeline order: the suites walk them all. */
export const SOURCES: Source[] = simulatedIntegrations()
  .filter((i) => i.roles.includes('source'))
  .map((i) => i.name);
/** Settings that keep a trial small (a shorter backfill), by integration; none by default. */
const TRIAL_SETTINGS: Record<string, Record<string, unknown>> = { posthog: { backfillDays: 30 } };

/** Retries the fault suites allow: enough for a 10% fault rate, small enough to stay quick. */
export const FAULT_RETRY = { baseDelayMs: 20, maxWaitMs: 3_000, maxAttempts: 8 } as const;
/** Per attempt: a hung request gives up after this long (the simulators hang for 5 s). */
export const FAULT_TIMEOUT_MS = 1_500;

export interface Fingerprint {
  /** Live records. */
  count: number;
  /** Rows stored (deleted ones too) minus distinct external ids: duplicates. */
  duplicates: number;
  /** sha-256 over every `externalId:payloadHash`, sorted. */
  hash: string;
}

export interface ReliabilityBed {
  testDb: TestDb;
  deps: ConnectionDeps;
  keyringSpec: string;
  /** Where a child process finds the same database. */
  database: DatabaseTarget;
  dataset: Dataset;
  /** The sources' simulators (`sims.get(source).server` for a service's own controls). */
  sims: RunningSimulators;
  /** Stream names per source, from the integration definitions. */
  streams: Record<Source, string[]>;
  /** Fingerprints of a sync with no faults: the source's truth. */
  reference: Record<Source, Record<string, Fingerprint>>;
  /** A workspace with `source` connected (to `url` when given: another simulator instance). */
  newWorkspace(source: Source, url?: string): Promise<string>;
  /** Queue and execute a run in this process. */
  sync(
    workspaceId: string,
    source: Source,
    opts?: { streams?: string[]; leaseMs?: number; clock?: Clock },
  ): Promise<SyncRun>;
  fingerprint(workspaceId: string, source: Source, stream: string): Promise<Fingerprint>;
  /** Turn every source simulator's fault knobs back to none. */
  calm(): void;
  close(): Promise<void>;
}

const CALM: Partial<Knobs> = {
  errorRate: 0,
  timeoutRate: 0,
  malformedRate: 0,
  truncatedRate: 0,
  repeatNext: false,
  latencyMs: 0,
  hangMs: 5_000,
};

export async function createReliabilityBed(opts: { companies?: number } = {}): Promise<ReliabilityBed> {
  const testDb = await createTestDb({ migrate: true });
  const keyringSpec = Keyring.generateSpec('rel');
  const deps: ConnectionDeps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(keyringSpec),
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
    clock: systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry(integrations),
    env: {},
    httpOptions: { retry: FAULT_RETRY, timeoutMs: FAULT_TIMEOUT_MS },
  };
  const dataset = generateDataset({ seed: 'h8-reliability', companies: opts.companies ?? 30 });
  const sims = await startSimulators({ dataset, knobs: CALM, only: SOURCES });
  const database: DatabaseTarget =
    testDb.dialect === 'sqlite'
      ? { dialect: 'sqlite', file: testDb.db.describe }
      : { dialect: 'postgres', url: process.env.DATABASE_URL!, schema: testDb.schema!, poolSize: 2 };
  const streams = Object.fromEntries(
    SOURCES.map((s) => [s, Object.keys(deps.integrations.require(s).streams)]),
  ) as Record<Source, string[]>;

  const credentials = (source: Source, url?: string) => {
    const { credentials, settings } = sims.get(source).connection;
    return {
      credentials,
      settings: { ...settings, ...TRIAL_SETTINGS[source], ...(url ? { baseUrl: url } : {}) },
    };
  };

  const bed: ReliabilityBed = {
    testDb,
    deps,
    keyringSpec,
    database,
    dataset,
    sims,
    streams,
    reference: {} as ReliabilityBed['reference'],
    async newWorkspace(source, url) {
      const workspaceId = `ws_${randomUUID().slice(0, 12)}`;
      await putConnection(
        deps,
        { workspaceId, audit: { actorType: 'cli', actorId: null } },
        source,
        credentials(source, url),
      );
      return workspaceId;
    },
    async sync(workspaceId, source, o = {}) {
      const runDeps = o.clock ? { ...deps, clock: o.clock } : deps;
      const run = await startSync(runDeps, workspaceId, source, {
        trigger: 'manual',
        ...(o.streams ? { streams: o.streams } : {}),
        ...(o.leaseMs ? { leaseMs: o.leaseMs } : {}),
      });
      return executeRun(runDeps, workspaceId, run.id, { leaseMs: 60_000 });
    },
    async fingerprint(workspaceId, source, stream) {
      const rows = await deps.db.kysely
        .selectFrom('records')
        .select(['external_id', 'payload_hash', 'deleted_at'])
        .where('workspace_id', '=', workspaceId)
        .where('integration', '=', source)
        .where('stream', '=', stream)
        .execute();
      const live = rows.filter((r) => r.deleted_at === null);
      const hash = createHash('sha256');
      for (const line of live.map((r) => `${r.external_id}:${r.payload_hash}`).sort())
        hash.update(`${line}\n`);
      return {
        count: live.length,
        duplicates: rows.length - new Set(rows.map((r) => r.external_id)).size,
        hash: hash.digest('hex'),
      };
    },
    calm() {
      for (const sim of sims.list) sim.setKnobs(CALM);
    },
    async close() {
      await sims.close().catch(() => undefined);
      await testDb.close();
    },
  };

  for (const source of SOURCES) {
    const ws = await bed.newWorkspace(source);
    const run = await bed.sync(ws, source);
    if (run.status !== 'succeeded')
      throw new Error(`reference sync of ${source} ended ${run.status}: ${run.error?.message}`);
    const reference: Record<string, Fingerprint> = {};
    for (const stream of streams[source] ?? []) reference[stream] = await bed.fingerprint(ws, source, stream);
    bed.reference[source] = reference;
  }
  return bed;
}

/** How many rows a table holds in the database (to see a test really wrote something). */
export async function countRows(bed: ReliabilityBed, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(
    bed.deps.db.kysely,
  );
  return Number(rows[0]?.n ?? 0);
}
