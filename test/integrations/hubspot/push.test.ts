import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putConnection } from '../../../src/connections/index.js';
import { systemClock } from '../../../src/core/clock.js';
import { Keyring } from '../../../src/core/crypto.js';
import { createLogger } from '../../../src/core/logger.js';
import {
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../../src/integrations/hubspot/simulator/index.js';
import { createRegistry, integrations } from '../../../src/integrations/index.js';
import {
  getPushRun,
  type PushAccount,
  type PushServiceDeps,
  planPush,
  startPush,
  startRollback,
} from '../../../src/push/index.js';
import { createTestDb, type TestDb } from '../../support/index.js';

/**
 * The push to HubSpot through the platform (plan, apply, rejects, history, rollback) over HTTP
 * against the simulator: Beton's properties in the `beton` group, batches of 100, a person's value
 * kept, a 207 rejecting only the inputs it names, a dry run writing nothing, a rollback restoring.
 */
const actor = { actorType: 'cli' as const, actorId: null };

function scored(i: number, overrides: Partial<PushAccount['fields']> = {}): PushAccount {
  return {
    accountId: `acc_${i}`,
    domain: `acct${i}.com`,
    name: `Account ${i}`,
    fields: {
      beton_health: 50 + (i % 40),
      beton_expansion: 30 + (i % 50),
      beton_churn_risk: 10 + (i % 30),
      beton_fit: 60,
      beton_grade: 'M50',
      beton_top_signals: 'usage_spike, invites_sent',
      beton_scored_at: '2025-05-01T00:00:00.000Z',
      ...overrides,
    },
  };
}

let testDb: TestDb;
let sim: HubspotSimulator;
let deps: PushServiceDeps;
let accounts: PushAccount[];
const workspaceId = `ws_${randomUUID().slice(0, 8)}`;

beforeEach(async () => {
  testDb = await createTestDb({ migrate: true });
  sim = createHubspotSimulator({ knobs: { rateLimits: false } });
  await sim.listen();
  accounts = [];
  deps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(Keyring.generateSpec('t1')),
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry(integrations),
    env: {},
    httpOptions: { retry: { baseDelayMs: 5, maxWaitMs: 3000, maxAttempts: 5 }, timeoutMs: 5000 },
    pushSource: {
      async *accounts() {
        yield accounts;
      },
    },
  };
  await putConnection(deps, { workspaceId, audit: actor }, 'hubspot', {
    credentials: { apiKey: sim.apiKey },
    settings: { baseUrl: sim.url, requestsPer10Seconds: 190 },
  });
});
afterEach(async () => {
  await sim.close();
  await testDb.close();
});

const push = async () => (await startPush(deps, workspaceId, 'hubspot', { trigger: 'test', actor })).done;
const company = (domain: string) => sim.store.companyByDomain(domain)!;
const batchCalls = () =>
  (sim.counters.byRoute['POST /crm/v3/objects/:type/batch/update'] ?? 0) +
  (sim.counters.byRoute['POST /crm/v3/objects/:type/batch/create'] ?? 0);

describe('pushing to HubSpot', () => {
  it('creates the beton group and properties once, writes 250 companies in 3 batches, then nothing when unchanged', async () => {
    accounts = Array.from({ length: 250 }, (_, i) => scored(i));
    const first = await push();
    expect(first).toMatchObject({ status: 'succeeded', counts: { created: 250, rejected: 0 } });
    expect(sim.store.groups.companies.has('beton')).toBe(true);
    expect(sim.store.properties.companies.get('beton_health')).toMatchObject({
      type: 'number',
      groupName: 'beton',
    });
    expect(sim.store.properties.companies.get('beton_scored_at')).toMatchObject({ type: 'datetime' });
    expect(batchCalls()).toBe(3);
    expect(company('acct7.com').properties).toMatchObject({
      beton_health: '57',
      beton_grade: 'M50',
      name: 'Account 7',
    });
    expect(company('acct7.com').history.beton_health?.[0]?.sourceType).toBe('INTEGRATION');

    const writes = sim.counters.writes;
    const second = await push();
    expect(second.status).toBe('succeeded');
    expect(sim.counters.writes).toBe(writes);
  });

  it('updates by id, keeps a value a person set (CRM_UI) under the default policy', async () => {
    accounts = Array.from({ length: 5 }, (_, i) => scored(i));
    await push();
    sim.editAsPerson('acct1.com', { beton_health: '99' });
    accounts = Array.from({ length: 5 }, (_, i) => scored(i, { beton_health: 10 + i }));
    const plan = await planPush(deps, workspaceId, 'hubspot');
    expect(plan.items.find((i) => i.key === 'acct1.com')?.kept).toEqual([
      { attribute: 'beton_health', current: 99, wanted: 11, reason: 'set_by_person' },
    ]);
    const run = await push();
    expect(run).toMatchObject({ status: 'succeeded', counts: { updated: 4, created: 0 } });
    expect(company('acct1.com').properties.beton_health).toBe('99');
    expect(company('acct2.com').properties.beton_health).toBe('12');
    expect(sim.store.live('companies')).toHaveLength(5);
  });

  it('a 207 naming 3 inputs rejects exactly those 3 with HubSpot’s reason; the next run retries them', async () => {
    accounts = Array.from({ length: 20 }, (_, i) => scored(i));
    const failed = ['acct3.com', 'acct8.com', 'acct15.com'];
    sim.failOnce(failed);
    const run = await push();
    expect(run).toMatchObject({ status: 'partial', counts: { created: 17, rejected: 3 } });
    const { items } = await getPushRun(deps, workspaceId, run.id);
    const rejected = items.filter((i) => i.status === 'rejected');
    expect(rejected.map((i) => i.key).sort()).toEqual([...failed].sort());
    expect(rejected[0]!.reason).toMatch(/VALIDATION_ERROR: Property values were not valid/);

    const retry = await push();
    expect(retry).toMatchObject({ status: 'succeeded', counts: { created: 3, rejected: 0 } });
    for (const d of failed) expect(company(d).properties.beton_health).not.toBeNull();
  });

  it('a dry run makes no write call', async () => {
    accounts = Array.from({ length: 30 }, (_, i) => scored(i));
    const writes = sim.counters.writes;
    const plan = await planPush(deps, workspaceId, 'hubspot');
    expect(plan.summary).toMatchObject({ creates: 30 });
    expect(sim.counters.writes).toBe(writes);
    expect(sim.store.live('companies')).toHaveLength(0);
  });

  it('a rollback restores what the run overwrote and leaves a person’s later edit alone', async () => {
    accounts = Array.from({ length: 4 }, (_, i) => scored(i));
    await push();
    accounts = Array.from({ length: 4 }, (_, i) => scored(i, { beton_health: 5, beton_grade: 'M10' }));
    const second = await push();
    expect(second.counts.updated).toBe(4);
    sim.editAsPerson('acct2.com', { beton_grade: 'M100' });
    const rollback = await (await startRollback(deps, workspaceId, second.id, { trigger: 'test', actor }))
      .done;
    expect(rollback.status).toBe('succeeded');
    expect(company('acct0.com').properties).toMatchObject({ beton_health: '50', beton_grade: 'M50' });
    expect(company('acct2.com').properties).toMatchObject({ beton_health: '52', beton_grade: 'M100' });
  });

  it('under 10% 5xx and 10% truncated answers, pushes until every company exists exactly once with its values', async () => {
    accounts = Array.from({ length: 600 }, (_, i) => scored(i));
    sim.setKnobs({ errorRate: 0.1, truncatedRate: 0.1, faultSeed: 7 });
    const statuses: string[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      const run = await push();
      statuses.push(run.status);
      if (run.status === 'succeeded') break;
    }
    sim.setKnobs({ errorRate: 0, truncatedRate: 0 });
    expect(statuses.at(-1)).toBe('succeeded');
    expect(sim.counters.faults.errors + sim.counters.faults.truncated).toBeGreaterThan(0);
    const companies = sim.store.live('companies');
    expect(companies).toHaveLength(600);
    expect(new Set(companies.map((c) => c.properties.domain)).size).toBe(600);
    for (const i of [0, 123, 599])
      expect(company(`acct${i}.com`).properties.beton_health).toBe(String(50 + (i % 40)));
    const writes = sim.counters.writes;
    expect((await push()).status).toBe('succeeded');
    expect(sim.counters.writes).toBe(writes);
  }, 120_000);
});
