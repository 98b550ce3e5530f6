import { randomUUID } from 'node:crypto';
import { putConnection } from '../../src/connections/index.js';
import { type Clock, systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import {
  type AttioSimOptions,
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { createRegistry, integrations } from '../../src/integrations/index.js';
import type { PushAccount, PushServiceDeps, PushSource } from '../../src/push/index.js';
import { createTestDb, type TestDb } from '../support/index.js';

/**
 * A migrated database, the real integration registry, an Attio simulator over HTTP and the Attio
 * connection stored for one workspace. `accounts` is what the push reads: tests change it between
 * runs the way a score run would.
 */
export interface PushTestbed {
  deps: PushServiceDeps;
  sim: AttioSimulator;
  workspaceId: string;
  accounts: PushAccount[];
  testDb: TestDb;
  connect(settings?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function createPushTestbed(
  opts: { sim?: AttioSimOptions; clock?: Clock } = {},
): Promise<PushTestbed> {
  const testDb = await createTestDb({ migrate: true });
  const sim = createAttioSimulator(opts.sim);
  await sim.listen();
  const bed = { accounts: [] as PushAccount[] };
  const source: PushSource = {
    async *accounts() {
      yield bed.accounts;
    },
  };
  const deps: PushServiceDeps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(Keyring.generateSpec('t1')),
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
    clock: opts.clock ?? systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry(integrations),
    env: {},
    httpOptions: { retry: { baseDelayMs: 5, maxWaitMs: 3000, maxAttempts: 8 }, timeoutMs: 5000 },
    pushSource: source,
  };
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  return Object.assign(bed, {
    deps,
    sim,
    workspaceId,
    testDb,
    async connect(settings: Record<string, unknown> = {}) {
      await putConnection(deps, { workspaceId, audit: { actorType: 'cli', actorId: null } }, 'attio', {
        credentials: { apiKey: DEFAULT_ATTIO_TOKEN },
        settings: { baseUrl: sim.url, ...settings },
      });
    },
    async close() {
      await sim.close();
      await testDb.close();
    },
  });
}

/** An account with scores, as the scoring would hand it to the push. */
export function scored(
  i: number,
  overrides: Partial<PushAccount['fields']> = {},
  domain = `acct${i}.com`,
): PushAccount {
  return {
    accountId: `acc_${i}`,
    domain,
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

/** The active value of a company attribute in the simulator, with its author. */
export function valueIn(sim: AttioSimulator, domain: string, attribute: string) {
  const [record] = sim.store.queryRecords('companies', {
    filter: { domains: { domain: { $eq: domain } } },
    limit: 1,
  });
  if (!record) return undefined;
  const v = record.values[attribute]?.[0] as
    | { value?: unknown; created_by_actor: { type: string } }
    | undefined;
  return v
    ? { value: v.value, author: v.created_by_actor.type, recordId: record.id.record_id }
    : { value: null, author: null, recordId: record.id.record_id };
}

/** Every version a company attribute has had (to prove nothing was written twice). */
export function historyOf(sim: AttioSimulator, domain: string, attribute: string) {
  const current = valueIn(sim, domain, attribute);
  if (!current) return [];
  return sim.store.attributeValues('companies', current.recordId, attribute, true);
}
