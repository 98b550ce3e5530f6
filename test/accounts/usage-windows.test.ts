import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTIVITY,
  accountIdFor,
  dayNumber,
  ingestChanges,
  loadDailySeries,
  loadWindowedUsage,
} from '../../src/accounts/index.js';
import { RECENT_USAGE_DAYS } from '../../src/accounts/usage-ingest.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { RecordWriter } from './records.js';

/**
 * The score run's windowed usage (sums from the recent counts kept at ingest, or from usage_daily
 * for windows longer than those) answers what the whole daily series answers, for every window it
 * loaded, per event and for all engagement, with lifetime bounds.
 */

const WS = 'ws_windows';
const NOW = '2025-06-15T12:00:00.000Z';
const DAY_MS = 86_400_000;
const day = (ago: number) => new Date(Date.parse(NOW) - ago * DAY_MS).toISOString().slice(0, 10);
const WINDOWS = [7, 14, 30];
const EVENTS = ['feature_used', '$pageview', 'usage_limit_warning', 'report_created'];
const DOMAINS = ['a.io', 'b.io', 'c.io', 'quiet.io', 'future.io'];

let t: TestDb;
const db = () => t.db.kysely;
const asOf = dayNumber(NOW) - 1;

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  const w = new RecordWriter(db(), WS, NOW);
  await w.groupType(0, 'company');
  // Deterministic but irregular: some days skipped, some events only long ago, one account only
  // active before every window, one with a count today (after the as-of day).
  for (const [i, domain] of DOMAINS.entries()) {
    await w.group(domain, domain, '2024-01-01T00:00:00Z');
    for (let ago = 0; ago <= 60; ago++) {
      for (const [j, event] of EVENTS.entries()) {
        if ((ago * 7 + i * 3 + j * 5) % 4 === 0) continue;
        if (domain === 'quiet.io' && ago < 40) continue;
        if (domain !== 'future.io' && ago === 0) continue;
        if (event === 'report_created' && ago < 20 && i % 2 === 0) continue;
        await w.usage(domain, day(ago), event, 1 + ((ago * 13 + i * 7 + j) % 9));
      }
    }
  }
  // Older than the recent counts kept at ingest: only a long window sees these.
  for (const ago of [95, 97, 98]) await w.usage('a.io', day(ago), 'feature_used', ago);
  await w.usage('b.io', day(99), '$pageview', 5);
  await ingestChanges(db(), WS, { watermark: null, now: NOW, liveSinceDay: null });
});

afterAll(() => t.close());

describe('windowed usage', () => {
  it.each([
    ['recent windows', WINDOWS, 0],
    ['recent windows, weeks after the last sync', WINDOWS, 25],
    [`a window longer than the recent counts (${RECENT_USAGE_DAYS} days)`, [7, RECENT_USAGE_DAYS + 9], 0],
  ])(
    'matches the daily series for every window, event, engagement and bound: %s',
    async (_, windows, later) => {
      const ids = DOMAINS.map((d) => accountIdFor(WS, d));
      const series = await loadDailySeries(db(), WS, ids, 0);
      for (const subset of [null, [ids[1]!, ids[3]!]]) {
        const windowed = await loadWindowedUsage(db(), WS, subset, asOf + later, windows);
        expect([...windowed.keys()].sort()).toEqual([...(subset ?? ids)].sort());
        for (const id of subset ?? ids) {
          const full = series.get(id)!.view(asOf + later, asOf + later + 10);
          const fast = windowed.get(id)!;
          for (const days of windows) {
            expect(fast.sum(ACTIVITY, days)).toBe(full.sum(ACTIVITY, days));
            for (const event of EVENTS) expect(fast.sum(event, days)).toBe(full.sum(event, days));
          }
          for (const event of [...EVENTS, ACTIVITY] as const) {
            expect(fast.lastDay(event)).toBe(full.lastDay(event));
            expect(fast.firstDay(event)).toBe(full.firstDay(event));
          }
        }
      }
      // Active only before every window: zero sums, still its bounds.
      const quiet = (await loadWindowedUsage(db(), WS, null, asOf, WINDOWS)).get(
        accountIdFor(WS, 'quiet.io'),
      )!;
      expect(quiet.sum(ACTIVITY, 30)).toBe(0);
      expect(quiet.lastDay(ACTIVITY)).toBeLessThanOrEqual(asOf - 39);
    },
  );

  it('follows a later sync that rewrites and adds recent days', async () => {
    const id = accountIdFor(WS, 'c.io');
    const before = (await loadWindowedUsage(db(), WS, [id], asOf, [7])).get(id)!.sum('report_created', 7);
    const later = new Date(Date.parse(NOW) + 60_000).toISOString();
    const w = new RecordWriter(db(), WS, later);
    await w.usage('c.io', day(2), 'report_created', 1000);
    await w.usage('c.io', day(3), 'report_created', 2000);
    await ingestChanges(db(), WS, { watermark: NOW, now: later, liveSinceDay: null });
    const full = (await loadDailySeries(db(), WS, [id], 0)).get(id)!.view(asOf, asOf + 10);
    const fast = (await loadWindowedUsage(db(), WS, [id], asOf, [7, 30])).get(id)!;
    expect(fast.sum('report_created', 7)).toBe(full.sum('report_created', 7));
    expect(fast.sum('report_created', 7)).toBeGreaterThanOrEqual(3000);
    expect(fast.sum('report_created', 7)).not.toBe(before);
    expect(fast.sum(ACTIVITY, 30)).toBe(full.sum(ACTIVITY, 30));
  });

  it('a sync days later that changes one event refreshes only that event, and every window still adds up', async () => {
    const id = accountIdFor(WS, 'b.io');
    const totals = () =>
      db()
        .selectFrom('usage_totals')
        .select(['event', 'recent_from', 'total'])
        .where('workspace_id', '=', WS)
        .where('account_id', '=', id)
        .orderBy('event')
        .execute();
    const before = await totals();
    const tenDaysLater = new Date(Date.parse(NOW) + 10 * DAY_MS).toISOString();
    const w = new RecordWriter(db(), WS, tenDaysLater);
    await w.usage(
      'b.io',
      new Date(Date.parse(tenDaysLater) - DAY_MS).toISOString().slice(0, 10),
      '$pageview',
      40,
    );
    await ingestChanges(db(), WS, { watermark: NOW, now: tenDaysLater, liveSinceDay: null });

    const after = await totals();
    for (const row of after) {
      const old = before.find((b) => b.event === row.event)!;
      if (row.event === '$pageview') {
        expect(Number(row.total)).toBe(Number(old.total) + 40);
        expect(Number(row.recent_from)).toBe(Number(old.recent_from) + 10);
      } else expect(row).toEqual(old);
    }
    const later = asOf + 10;
    const full = (await loadDailySeries(db(), WS, [id], 0)).get(id)!.view(later, later + 10);
    const fast = (await loadWindowedUsage(db(), WS, [id], later, WINDOWS)).get(id)!;
    for (const days of WINDOWS) {
      expect(fast.sum(ACTIVITY, days)).toBe(full.sum(ACTIVITY, days));
      for (const event of EVENTS) expect(fast.sum(event, days)).toBe(full.sum(event, days));
    }
    expect(fast.sum('$pageview', 7)).toBe(40);
  });

  it('loads only the events asked for', async () => {
    const id = accountIdFor(WS, 'a.io');
    const full = (await loadDailySeries(db(), WS, [id], 0)).get(id)!.view(asOf, asOf + 10);
    const fast = (await loadWindowedUsage(db(), WS, [id], asOf, [7], ['feature_used'])).get(id)!;
    expect(fast.sum('feature_used', 7)).toBe(full.sum('feature_used', 7));
    expect(fast.sum('feature_used', 7)).toBeGreaterThan(0);
    expect(fast.sum('$pageview', 7)).toBe(0);
    expect(fast.lastDay('$pageview')).toBeNull();
  });
});
