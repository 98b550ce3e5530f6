import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../src/accounts/index.js';
import { fixedClock } from '../../src/core/index.js';
import {
  accountDetail,
  accountListQuery,
  listAccountScores,
  listAccounts,
  readBacktest,
  runScore,
  signalDefinitions,
  startScoreRun,
} from '../../src/scoring/index.js';
import { createCustomSignal } from '../../src/signals/index.js';
import { RecordWriter } from '../accounts/records.js';
import { createTestDb, type TestDb } from '../support/index.js';

const WS = 'ws_scoring';
const NOW = new Date('2025-06-15T12:00:00.000Z');
const day = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString();
const clock = fixedClock(NOW);

let t: TestDb;
let w: RecordWriter;
const db = () => t.db.kysely;
const id = (domain: string) => accountIdFor(WS, domain);

/** Steady usage: `perDay` feature events on each of the last `days` days before `endAgo`. */
async function steady(domain: string, perDay: number, days: number, endAgo = 1) {
  for (let i = 0; i < days; i++) await w.usage(domain, day(endAgo + i), 'feature_used', perDay);
}

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  w = new RecordWriter(db(), WS, at(0));
  await w.groupType(0, 'company');
  await w.price('price_pro', 'pro', 4000, 'month');

  // acme.io: paying, 9 users on 10 seats, usage doubled this week, looking at pricing.
  await w.group('acme.io', 'Acme', at(400));
  for (let i = 0; i < 9; i++)
    await w.person(`acme_${i}`, { email: `u${i}@acme.io`, title: 'Engineer' }, at(300));
  await w.customer('cus_acme', 'billing@acme.io', 'Acme', at(300), 'acme.io');
  await w.subscription('sub_acme', 'cus_acme', 'price_pro', 10, at(300));
  await steady('acme.io', 20, 140, 8);
  await steady('acme.io', 50, 7, 1);
  await w.usage('acme.io', day(3), '$pageview:/pricing', 2);
  await w.usage('acme.io', day(60), 'onboarding_completed', 1);

  // globex.com: paying, usage fell away, cancellation scheduled.
  await w.group('globex.com', 'Globex', at(400));
  await w.person('globex_0', { email: 'a@globex.com', title: 'Analyst' }, at(300));
  await w.customer('cus_globex', 'billing@globex.com', 'Globex', at(300), 'globex.com');
  await w.subscription('sub_globex', 'cus_globex', 'price_pro', 5, at(300), {
    cancel_at_period_end: true,
    canceled_at: Math.floor(Date.parse(at(2)) / 1000),
    current_period_end: Math.floor(Date.parse(at(-10)) / 1000),
  });
  await steady('globex.com', 30, 140, 8);
  await steady('globex.com', 5, 7, 1);

  // calm.dev: steady, nothing to say.
  await w.group('calm.dev', 'Calm', at(400));
  await w.person('calm_0', { email: 'a@calm.dev', title: 'Engineer' }, at(300));
  await steady('calm.dev', 10, 150, 1);
  await w.usage('calm.dev', day(100), 'onboarding_completed', 1);

  // grow.io: hit plan limits 7 weeks ago and added seats 5 weeks ago (a past outcome for the backtest).
  await w.group('grow.io', 'Grow', at(400));
  await w.person('grow_0', { email: 'a@grow.io', title: 'Engineer' }, at(300));
  await w.customer('cus_grow', 'billing@grow.io', 'Grow', at(300), 'grow.io');
  await w.subscription('sub_grow', 'cus_grow', 'price_pro', 8, at(300));
  for (const ago of [150, 120, 90, 60])
    await w.invoice(`in_grow_${ago}`, 'cus_grow', 'sub_grow', 'price_pro', 5, 20_000, at(ago));
  await w.invoice('in_grow_up', 'cus_grow', 'sub_grow', 'price_pro', 8, 6_000, at(38), 'subscription_update');
  await w.usage('grow.io', day(45), 'usage_limit_warning', 2);
  await steady('grow.io', 10, 100, 1);
});

afterAll(() => t.close());

describe('first run', () => {
  it('replays history, detects, scores every account and reports what it did', async () => {
    const seen: string[] = [];
    const run = await runScore(db(), WS, { clock, trigger: 'test', onProgress: (p) => seen.push(p.stage) });
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full' });
    expect(run.counts.accountsScored).toBe(4);
    expect(run.counts.accountsReplayed).toBe(4);
    expect(new Set(seen)).toEqual(new Set(['ingest', 'replay', 'detect', 'score', 'backtest', 'done']));
  });

  it('an account with expansion signals scores high on expansion and zero on churn', async () => {
    const [acme] = await listAccountScores(db(), WS, { accountIds: [id('acme.io')] });
    expect(acme!.churnRisk).toBe(0);
    expect(acme!.expansion).toBeGreaterThan(50);
    expect(acme!.topSignals.map((s) => s.key)).toEqual(
      expect.arrayContaining(['usage_spike', 'approaching_seat_limit', 'upgrade_page_visit']),
    );
  });

  it('an account about to cancel shows churn risk, explained', async () => {
    const detail = await accountDetail(db(), WS, id('globex.com'), { now: NOW });
    expect(detail.scores!.churnRisk).toBeGreaterThan(70);
    const drivers = detail.scores!.explanation.churnRisk.drivers;
    expect(drivers[0]).toMatchObject({ key: 'future_cancellation', title: 'Cancellation scheduled' });
    expect(drivers.reduce((s: number, d: { share: number }) => s + d.share, 0)).toBeGreaterThanOrEqual(99);
    expect(drivers.find((d: { key: string }) => d.key === 'usage_drop')?.explanation).toContain(
      'down 83.3 %',
    );
    expect(detail.signals.map((s) => s.key)).toEqual(
      expect.arrayContaining(['future_cancellation', 'usage_drop']),
    );
    expect(detail.links.map((l) => l.stream)).toEqual(
      expect.arrayContaining(['groups', 'customers', 'subscriptions']),
    );
    expect(detail.history).toEqual([expect.objectContaining({ day: '2025-06-15' })]);
  });

  it('no negative signals: no churn risk', async () => {
    const [calm] = await listAccountScores(db(), WS, { accountIds: [id('calm.dev')] });
    expect(calm!.churnRisk).toBe(0);
    expect(calm!.topSignals).toEqual([]);
  });

  it('the backtest finds the past seat expansion after nearing the paywall', async () => {
    const backtest = await readBacktest(db(), WS);
    const row = backtest.rows.find((r) => r.signal === 'nearing_paywall' && r.outcome === 'expansion');
    expect(row).toMatchObject({ firedHits: 1, supportAccounts: 1 });
    expect(row!.lift).toBeGreaterThan(1);
    expect(row!.medianLeadDays).toBeGreaterThan(0);
    const definitions = await signalDefinitions(db(), WS, NOW);
    expect(definitions.signals).toHaveLength(20);
    expect(definitions.signals.find((s) => s.key === 'nearing_paywall')).toMatchObject({
      lift: row!.lift,
      precision: row!.precision,
    });
  });
});

describe('later runs', () => {
  it('the same day with nothing synced scores nothing', async () => {
    const run = await runScore(db(), WS, { clock, trigger: 'test' });
    expect(run).toMatchObject({
      mode: 'incremental',
      counts: expect.objectContaining({ accountsScored: 0, accountsTouched: 0 }),
    });
  });

  it('a sync touching one account rescores only that account', async () => {
    w.now = at(0);
    await w.usage('calm.dev', day(1), 'user_invited', 4);
    const run = await runScore(db(), WS, { clock, trigger: 'test' });
    expect(run).toMatchObject({
      mode: 'incremental',
      counts: expect.objectContaining({ accountsScored: 1, accountsTouched: 1 }),
    });
    const [calm] = await listAccountScores(db(), WS, { accountIds: [id('calm.dev')] });
    expect(calm!.topSignals.map((s) => s.key)).toEqual(['invites_sent']);
    expect(calm!.churnRisk).toBe(0);
  });

  it('the next day rescores everything (time moves windows and decay); history has a point a day', async () => {
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    const run = await runScore(db(), WS, { clock: fixedClock(tomorrow), trigger: 'test' });
    expect(run).toMatchObject({ mode: 'full', counts: expect.objectContaining({ accountsScored: 4 }) });
    const detail = await accountDetail(db(), WS, id('acme.io'), { now: tomorrow });
    expect(detail.history.map((h) => h.day)).toEqual(['2025-06-15', '2025-06-16']);
    // Stored as change points: an unchanged day adds no row.
    const rows = await db()
      .selectFrom('score_snapshots')
      .select('day')
      .where('account_id', '=', id('calm.dev'))
      .execute();
    expect(rows.length).toBeLessThanOrEqual(2);
    // Still firing: extended, not duplicated.
    expect(detail.signals.filter((s) => s.key === 'usage_spike' && s.origin === 'live')).toHaveLength(1);
  });

  it('a custom signal runs like a built-in', async () => {
    await createCustomSignal(
      db(),
      WS,
      {
        name: 'Busy week',
        direction: 'expansion',
        events: ['feature_used'],
        operator: 'gte',
        threshold: 300,
        windowDays: 7,
      },
      null,
      at(0),
    );
    const later = fixedClock(new Date(NOW.getTime() + 86_400_000 + 3_600_000));
    await runScore(db(), WS, { clock: later, trigger: 'test' });
    const list = await listAccounts(
      db(),
      WS,
      accountListQuery.parse({ signal: (await signalDefinitions(db(), WS, NOW)).signals.at(-1)!.key }),
    );
    expect(list.items.map((i) => i.domain)).toEqual(['acme.io']);
  });

  it('a history that changed after earlier runs read it is read again (billing revoked the cancellation)', async () => {
    const cancellation = () =>
      db()
        .selectFrom('signal_occurrences')
        .select(['open'])
        .where('workspace_id', '=', WS)
        .where('account_id', '=', id('globex.com'))
        .where('signal_key', '=', 'future_cancellation')
        .execute();
    expect((await cancellation()).map((o) => Number(o.open))).toContain(1);
    const later = new Date(NOW.getTime() + 86_400_000 + 2 * 3_600_000);
    w.now = later.toISOString();
    await w.subscription('sub_globex', 'cus_globex', 'price_pro', 5, at(300), {
      cancel_at_period_end: false,
      current_period_end: Math.floor(Date.parse(at(-10)) / 1000),
    });
    const run = await runScore(db(), WS, {
      clock: fixedClock(new Date(later.getTime() + 3_600_000)),
      trigger: 'test',
    });
    expect(run).toMatchObject({
      mode: 'incremental',
      counts: expect.objectContaining({ accountsScored: 1 }),
    });
    // No longer detected: the occurrence is closed (it still decays from its close in the scores).
    expect((await cancellation()).map((o) => Number(o.open))).not.toContain(1);
  });

  it('the backtest kept up run by run equals one recomputed from every account', async () => {
    const later = new Date(NOW.getTime() + 86_400_000 + 5 * 3_600_000);
    w.now = later.toISOString();
    // A usage day in the live period (touches the account, moves no tally), and plan-limit warnings
    // synced late, from weeks ago (the past changed: replayed, tally recomputed).
    await w.usage('acme.io', day(0), 'feature_used', 75);
    for (const ago of [74, 75, 76]) await w.usage('calm.dev', day(ago), 'usage_limit_warning', 3);
    const run = await runScore(db(), WS, {
      clock: fixedClock(new Date(later.getTime() + 3_600_000)),
      trigger: 'test',
    });
    expect(run).toMatchObject({
      mode: 'incremental',
      counts: expect.objectContaining({ accountsTouched: 2 }),
    });
    const tallies = () =>
      db()
        .selectFrom('account_backtest')
        .selectAll()
        .where('workspace_id', '=', WS)
        .orderBy('account_id')
        .execute();
    const kept = { backtest: await readBacktest(db(), WS), tallies: await tallies() };

    // Forget which grid the stored backtest was computed for: the next run recomputes it whole.
    await db()
      .updateTable('scoring_state')
      .set({ backtest_until: null })
      .where('workspace_id', '=', WS)
      .execute();
    await runScore(db(), WS, {
      clock: fixedClock(new Date(later.getTime() + 2 * 3_600_000)),
      trigger: 'test',
    });
    const whole = { backtest: await readBacktest(db(), WS), tallies: await tallies() };
    expect(whole.backtest.rows).toEqual(kept.backtest.rows);
    expect(whole.backtest.baseRates).toEqual(kept.backtest.baseRates);
    expect(whole.tallies).toEqual(kept.tallies);
  });

  it('one run at a time per workspace', async () => {
    const running = await startScoreRun(db(), WS, {
      mode: 'full',
      trigger: 'test',
      actorId: null,
      now: at(0),
    });
    await expect(runScore(db(), WS, { clock, trigger: 'test' })).rejects.toMatchObject({ status: 409 });
    await db()
      .updateTable('score_runs')
      .set({ active_lock: null, status: 'failed' })
      .where('id', '=', running.id)
      .execute();
  });
});

describe('listing accounts', () => {
  it('filters, sorts and pages with a cursor', async () => {
    const all = await listAccounts(db(), WS, accountListQuery.parse({ sort: '-churnRisk', limit: 2 }));
    expect(all.items[0]!.domain).toBe('globex.com');
    expect(all.nextCursor).not.toBeNull();
    const next = await listAccounts(
      db(),
      WS,
      accountListQuery.parse({ sort: '-churnRisk', limit: 2, cursor: all.nextCursor! }),
    );
    const seen = [...all.items, ...next.items].map((i) => i.domain);
    expect(new Set(seen).size).toBe(4);
    expect(next.nextCursor).toBeNull();
    const search = await listAccounts(db(), WS, accountListQuery.parse({ q: 'GLOB' }));
    expect(search.items.map((i) => i.domain)).toEqual(['globex.com']);
    const risky = await listAccounts(
      db(),
      WS,
      accountListQuery.parse({ scoreField: 'churnRisk', minScore: 50 }),
    );
    expect(risky.items.map((i) => i.domain)).toEqual(['globex.com']);
  });
});
