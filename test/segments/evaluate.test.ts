import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFilter, accountListQuery, listAccounts } from '../../src/scoring/index.js';
import { createSegment, evaluateSegments, segmentMembers } from '../../src/segments/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { seedAccounts, WORLD } from './world.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const WS = 'ws_segments_a';
const OTHER = 'ws_segments_b';

let t: TestDb;
let ids: Record<string, string>;
const byId = () => Object.fromEntries(Object.entries(ids).map(([domain, id]) => [id, domain]));

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  ids = await seedAccounts(t.db.kysely, WS, WORLD);
  // The same world in another workspace: none of it may ever show up in WS's segments.
  await seedAccounts(t.db.kysely, OTHER, WORLD);
});
afterAll(() => t.close());

/** Each filter with its members computed by hand from test/segments/world.ts. */
const CASES: [string, Record<string, unknown>, string[]][] = [
  ['trialing with fit ≥ 80', { billing: 'trialing', minFit: 80 }, ['acme.io']],
  ['usage spike in the last 7 days', { signal: 'usage_spike', signalDays: 7 }, ['acme.io', 'umbrella.org']],
  ['usage spike in the current score', { signal: 'usage_spike' }, ['acme.io', 'hooli.xyz']],
  ['plan pro, any case', { plan: 'pro' }, ['acme.io', 'initech.net', 'umbrella.org']],
  ['no subscription', { billing: 'none' }, ['stark.dev']],
  ['in the CRM', { source: 'attio' }, ['acme.io', 'initech.net']],
  ['top grades at churn risk', { grade: 'M100,M75', minChurnRisk: 50 }, ['globex.com']],
  ['created since November', { createdAfter: '2026-11-01' }, ['stark.dev', 'umbrella.org']],
  ['signed up before mid-February', { signupBefore: '2026-02-15' }, ['acme.io', 'hooli.xyz']],
  ['free text', { q: 'glob' }, ['globex.com']],
  ['overall score ≥ 50', { minScore: 50 }, ['acme.io', 'globex.com', 'hooli.xyz']],
  ['health ≤ 20', { maxHealth: 20 }, ['umbrella.org']],
  [
    'past due or canceled business',
    { billing: 'past_due,canceled', plan: 'business,pro' },
    ['hooli.xyz', 'initech.net'],
  ],
  ['owned by Ann, in any case', { owner: 'Ann@Seller.io' }, ['acme.io', 'globex.com']],
  [
    "Bo's or nobody's",
    { owner: 'bo@seller.io,none' },
    ['initech.net', 'umbrella.org', 'hooli.xyz', 'stark.dev'],
  ],
  ['everything', {}, WORLD.map((a) => a.domain)],
];

describe('segment evaluation on a fixed world', () => {
  it('selects exactly the hand-computed accounts, in this workspace only', async () => {
    const segments = [];
    for (const [name, filter] of CASES)
      segments.push(
        await createSegment(
          t.db.kysely,
          WS,
          { name, filter: accountFilter.parse(filter) },
          null,
          NOW.toISOString(),
        ),
      );
    // Read and written on other threads as in a large workspace (on SQLite; Postgres reads here).
    const results = await evaluateSegments(t.db.kysely, WS, NOW, { threadsFromAccounts: 0 });
    expect(results).toHaveLength(CASES.length);
    for (const [i, [name, , expected]] of CASES.entries()) {
      const members = await segmentMembers(t.db.kysely, WS, segments[i]!.id, { limit: 1000 });
      const domains = members.items.map((m) => byId()[m.id] ?? `foreign:${m.id}`).sort();
      expect(domains, name).toEqual([...expected].sort());
      expect(members.segment.memberCount, name).toBe(expected.length);
    }
  });

  it('the accounts list applies the same filter (and a segment ANDed to it)', async () => {
    const list = async (query: Record<string, unknown>, also: Record<string, unknown>[] = []) =>
      (
        await listAccounts(t.db.kysely, WS, accountListQuery.parse({ ...query, limit: 200 }), {
          now: NOW,
          also: also.map((f) => accountFilter.parse(f)),
        })
      ).items
        .map((a) => a.domain)
        .sort();
    expect(await list({ plan: 'pro' })).toEqual(['acme.io', 'initech.net', 'umbrella.org']);
    expect(await list({ plan: 'pro' }, [{ signal: 'usage_spike', signalDays: 7 }])).toEqual([
      'acme.io',
      'umbrella.org',
    ]);
  });

  it('rejects a filter the list would reject', () => {
    expect(accountFilter.safeParse({ billing: 'free' }).success).toBe(false);
    expect(accountFilter.safeParse({ grade: 'A' }).success).toBe(false);
    expect(accountFilter.safeParse({ signupAfter: 'last week' }).success).toBe(false);
    expect(accountFilter.safeParse({ bogus: 1 }).success).toBe(false);
    expect(accountFilter.safeParse({ owner: 'ann' }).success).toBe(false);
  });
});
