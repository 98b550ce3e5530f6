import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFilter, accountListQuery, listAccounts } from '../../src/scoring/index.js';
import { compileFilter, matchRows, readMatchSets } from '../../src/segments/matcher.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { seedAccounts, WORLD } from './world.js';

/** The in-memory matcher segments use agrees with the SQL the accounts list runs, filter by filter. */

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
    const rows = await matchRows(t.db.kysely, WS);
    const filters = FILTERS.map((f) => accountFilter.parse(f));
    const sets = await readMatchSets(t.db.kysely, WS, filters, NOW);
    for (const [i, filter] of filters.entries()) {
      const sqlDomains = (
        await listAccounts(t.db.kysely, WS, accountListQuery.parse({ ...FILTERS[i], limit: 200 }), {
          now: NOW,
        })
      ).items
        .map((a) => a.domain)
        .sort();
      const matches = compileFilter(filter, NOW, sets);
      const memoryDomains = rows
        .filter(matches)
        .map((r) => r.domain)
        .sort();
      expect(memoryDomains, JSON.stringify(FILTERS[i])).toEqual(sqlDomains);
    }
  });
});
