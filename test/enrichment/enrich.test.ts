import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putConnection } from '../../src/connections/index.js';
import type { Clock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import {
  type EnrichmentServiceDeps,
  enrichmentsFor,
  executeEnrichRun,
  listEnrichRuns,
  openEnrich,
  planEnrich,
  startEnrich,
} from '../../src/enrichment/index.js';
import {
  type ApolloSimulator,
  createApolloSimulator,
} from '../../src/integrations/apollo/simulator/index.js';
import { createRegistry, integrations } from '../../src/integrations/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';
import { createTestDb, type TestDb } from '../support/index.js';

const dataset = generateDataset({ seed: 'enrichment', companies: 40 });
const known = dataset.firmographics.filter((f) => f.found).map((f) => f.domain);
const unknown = dataset.firmographics.filter((f) => !f.found).map((f) => f.domain);
const actor = { actorType: 'cli' as const, actorId: null };
const KEY = 'apollo_paid_key_01';
const FREE_KEY = 'apollo_free_key_01';

interface Bed {
  deps: EnrichmentServiceDeps;
  sim: ApolloSimulator;
  workspaceId: string;
  domains: string[];
  clock: Clock & { advanceDays(days: number): void };
  testDb: TestDb;
  connect(settings?: Record<string, unknown>, apiKey?: string): Promise<void>;
}

async function createBed(): Promise<Bed> {
  const testDb = await createTestDb({ migrate: true });
  const sim = createApolloSimulator({
    dataset,
    keys: [
      { apiKey: KEY, plan: 'professional' },
      { apiKey: FREE_KEY, plan: 'free', inaccessible: ['organizations/bulk_enrich'] },
    ],
  });
  await sim.listen();
  let offset = 0;
  const clock = {
    now: () => new Date(Date.now() + offset),
    advanceDays: (days: number) => {
      offset += days * 86_400_000;
    },
  };
  const bed = { domains: [] as string[] };
  const deps: EnrichmentServiceDeps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(Keyring.generateSpec('t1')),
    logger: createLogger({ level: 'silent' }),
    clock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry(integrations),
    env: {},
    httpOptions: { retry: { baseDelayMs: 5, maxAttempts: 3 }, timeoutMs: 5000 },
    enrichmentSource: {
      async *domains() {
        yield bed.domains;
      },
    },
  };
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  return Object.assign(bed, {
    deps,
    sim,
    workspaceId,
    clock,
    testDb,
    async connect(settings: Record<string, unknown> = {}, apiKey = KEY) {
      await putConnection(deps, { workspaceId, audit: actor }, 'apollo', {
        credentials: { apiKey },
        settings: { baseUrl: `${sim.url}/api/v1`, ...settings },
      });
    },
  });
}

const enrichCalls = (sim: ApolloSimulator) =>
  sim.counters.byRoute['POST /api/v1/organizations/bulk_enrich'] ?? 0;

describe('enrichment', () => {
  let bed: Bed;
  beforeEach(async () => {
    bed = await createBed();
  });
  afterEach(async () => {
    await bed.sim.close();
    await bed.testDb.close();
  });

  it('plans domains, calls and credits before spending anything', async () => {
    await bed.connect({ monthlyCreditCap: 20 });
    bed.domains = [...known.slice(0, 30), ...unknown, `WWW.${known[0]!.toUpperCase()}`, 'not a domain', ''];
    const plan = await planEnrich(bed.deps, bed.workspaceId);
    expect(plan).toMatchObject({
      domains: 30 + unknown.length,
      invalid: 2,
      fresh: 0,
      toEnrich: 30 + unknown.length,
      calls: Math.ceil((30 + unknown.length) / 10),
      maxCredits: 30 + unknown.length,
      freshnessDays: 30,
      creditsUsedThisMonth: 0,
      monthlyCreditCap: 20,
      creditsAvailable: 20,
      mayHitCap: true,
    });
    expect(enrichCalls(bed.sim)).toBe(0);
    expect(bed.sim.counters.byRoute['GET /api/v1/organizations/enrich']).toBeUndefined();
    expect(bed.sim.ledger(KEY).spent).toBe(0);
  });

  it('enriches in bulk, caches every answer and never pays twice inside the freshness window', async () => {
    await bed.connect();
    bed.domains = [...known.slice(0, 25), ...unknown];
    const first = await (await startEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor })).done;
    const total = 25 + unknown.length;
    expect(first).toMatchObject({
      status: 'succeeded',
      counts: {
        domains: total,
        fresh: 0,
        requested: total,
        calls: Math.ceil(total / 10),
        creditsSpent: 25,
        found: 25,
        notFound: unknown.length,
      },
    });
    expect(enrichCalls(bed.sim)).toBe(Math.ceil(total / 10));
    expect(bed.sim.ledger(KEY).spent).toBe(25);
    const cache = await enrichmentsFor(bed.deps, bed.workspaceId, [known[0]!, unknown[0]!]);
    expect(cache.get(known[0]!)).toMatchObject({ found: true, organization: { primary_domain: known[0] } });
    expect(cache.get(unknown[0]!)).toMatchObject({ found: false, organization: null });

    bed.clock.advanceDays(29);
    bed.domains = [...known.slice(0, 30), ...unknown];
    const second = await (await startEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor })).done;
    expect(second.counts).toMatchObject({ fresh: total, requested: 5, calls: 1, creditsSpent: 5 });
    expect(bed.sim.ledger(KEY).chargedTwice()).toEqual([]);

    bed.clock.advanceDays(2);
    const plan = await planEnrich(bed.deps, bed.workspaceId);
    expect(plan).toMatchObject({ fresh: 5, toEnrich: total });
  });

  it('stops cleanly at the monthly credit cap, with a clear status, and spends nothing more', async () => {
    await bed.connect({ monthlyCreditCap: 15 });
    bed.domains = known.slice(0, 30);
    const run = await (await startEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor })).done;
    expect(run.status).toBe('capped');
    expect(run.error).toMatch(
      /monthly Apollo credit cap \(15\) is reached: 15 credits spent in \d{4}-\d{2}\. 15 domains were not enriched/,
    );
    expect(run.counts).toMatchObject({ creditsSpent: 15, requested: 15, calls: 2 });
    expect(bed.sim.ledger(KEY).spent).toBe(15);

    const again = await (await startEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor })).done;
    expect(again).toMatchObject({ status: 'capped', counts: { calls: 0, creditsSpent: 0 } });
    expect(bed.sim.ledger(KEY).spent).toBe(15);
    expect((await listEnrichRuns(bed.deps, bed.workspaceId)).map((r) => r.status)).toEqual([
      'capped',
      'capped',
    ]);
  });

  it("reports Apollo's 403 plan refusal as a clear message", async () => {
    await bed.connect({}, FREE_KEY);
    bed.domains = known.slice(0, 3);
    const run = await (await startEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor })).done;
    expect(run.status).toBe('failed');
    expect(run.error).toContain('Apollo refused organization enrichment for this key');
    expect(run.error).toContain('not accessible with this api_key on a free plan');
    expect(run.error).toContain('upgrade the Apollo plan');
    expect(run.counts.creditsSpent).toBe(0);
  });

  it('refuses a second run while one is going', async () => {
    await bed.connect();
    bed.domains = known;
    // Opened (as the API does before a worker takes it): the slot is held from here on.
    const first = await openEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor });
    await expect(startEnrich(bed.deps, bed.workspaceId, { trigger: 'test', actor })).rejects.toMatchObject({
      status: 409,
      code: 'enrichment_running',
    });
    expect((await executeEnrichRun(bed.deps, bed.workspaceId, first)).status).toBe('succeeded');
  });
});
