import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountFilter,
  accountListQuery,
  filterConditions,
  listAccounts,
  matchAccounts,
  readFilterRows,
  readFilterSets,
} from '../../src/scoring/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { seedAccounts, WORLD } from './world.js';

/** A filter's in-memory form (segment evaluation) agrees with its SQL form (the accounts list), filter by filter. */

const NOW = new Date('2026-12-07T12:00:00.000Z');
const WS = 'ws_segments_matcher';
let t: TestDb;

const FILTERS: Record<string, unknown>[] = [
  { grade: 'M100,M75' },
  { grade: 'M10' },
  { minFit: 80 },
  { maxFit: 50 },
  { scoreField: 'health', minScore: 30, maxScore: 70 },
  { minExpansion: 40, maxChurnRisk: 60 },
  { plan: 'PRO,Business' },
  { billing: 'none' },
  { billing: 'trialing,active', plan: 'pro' },
  { signal: 'usage_spike' },
  { signal: 'usage_spike', signalDays: 3 },
  { signal: 'nothing_like_this' },
  { source: 'attio,stripe' },
  { createdAfter: '2026-11-01', createdBefore: '2026-12-01' },
  { signupAfter: '2026-01-01' },
  { q: 'GLOB' },
  { q: '.io' },
  { q: '100%_' },
  { owner: 'ANN@seller.io' },
  { owner: 'none' },
  { owner: 'bo@seller.io,none', minFit: 50 },
  {},
];

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  await seedAccounts(t.db.kysely, WS, WORLD);
  const { refreshAccountFacets } = await import('../../src/segments/index.js');
  await refreshAccountFacets(t.db.kysely, WS, NOW);
});
afterAll(() => t.close());

describe('segment matcher', () => {
  it('selects what the accounts list selects in SQL, for every kind of filter', async () => {
    const conditions = FILTERS.map((f) => filterConditions(WS, accountFilter.parse(f), NOW));
    const rows = await readFilterRows(t.db.kysely, WS);
    const sets = await readFilterSets(t.db.kysely, conditions);
    const domains = rows.values('a.domain');
    for (const [i, filter] of FILTERS.entries()) {
      const sqlDomains = (
        await listAccounts(t.db.kysely, WS, accountListQuery.parse({ ...filter, limit: 200 }), {
          now: NOW,
        })
      ).items
        .map((a) => a.domain)
        .sort();
      const memoryDomains = matchAccounts(rows, conditions[i]!, sets)
        .map((at) => domains[at] as string)
        .sort();
      expect(memoryDomains, JSON.stringify(filter)).toEqual(sqlDomains);
    }
  });
});
