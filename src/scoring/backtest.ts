import type { Kysely } from 'kysely';
import {
  type AccountHistory,
  chunks,
  DAY_MS,
  dayNumber,
  OUTCOME_CLASS,
  type OutcomeClass,
  revenueOutcomes,
  type SubscriptionHistory,
  toMs,
} from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';

/**
 * The backtest: did accounts that showed a signal reach a revenue outcome (in billing, or a CRM deal
 * won) within 30 days more often than accounts that did not?
 *
 * The unit is (account, week): at each weekly grid day d (Sundays) whose 30-day horizon is already in
 * the past, an account is "fired" for a signal if an occurrence of it was active during the week
 * ending d, and a "hit" for an outcome class if billing shows that outcome in (d, d + 30 days].
 * Units count only where the outcome is possible: expansion for every live account, churn only for
 * accounts paying at d. precision = hits / fired units; lift = precision ÷ the hit rate of the units
 * where the signal was not active; lead time = outcome − the occurrence's first sighting.
 */

export const HORIZON_DAYS = 30;
export const CLASSES: readonly OutcomeClass[] = ['expansion', 'churn'];
const ACTIVE_WEEK_MS = 7 * DAY_MS;

/** Weekly grid days (Sundays: day number ≡ 3 mod 7) in [fromDay, toDay]. */
export function gridDays(fromDay: number, toDay: number): number[] {
  const out: number[] = [];
  for (let d = fromDay + ((3 - (fromDay % 7) + 7) % 7); d <= toDay; d += 7) out.push(d);
  return out;
}

/** The last grid day whose outcome window has fully passed at `now`. */
export const lastMatureGridDay = (now: Date) => {
  const last = dayNumber(now) - HORIZON_DAYS - 1;
  return last - ((((last - 3) % 7) + 7) % 7);
};

type Pair = [number, number];

export interface SignalTally {
  fired: Pair;
  hits: Pair;
  /** Lead days of each fired hit, per class. */
  leads: [number[], number[]];
}

export interface AccountTally {
  units: Pair;
  hits: Pair;
  signals: Record<string, SignalTally>;
}

export interface TallyInput {
  history: AccountHistory;
  /** First day with any usage (signup fallback). */
  firstActivityDay: number | null;
  occurrences: readonly { key: string; firstSeenAt: string; lastSeenAt: string; open: boolean }[];
}

/**
 * One account's contribution to the backtest over `grid`.
 *
 * @example tallyAccount({ history, firstActivityDay: 20100, occurrences }, gridDays(20100, 20200))
 */
export function tallyAccount(input: TallyInput, grid: readonly number[]): AccountTally {
  const tally: AccountTally = { units: [0, 0], hits: [0, 0], signals: {} };
  const outcomes = revenueOutcomes(input.history).map((o) => ({
    ms: toMs(o.at),
    cls: OUTCOME_CLASS[o.kind],
    kind: o.kind,
  }));
  const churns = outcomes.filter((o) => o.kind === 'churn').map((o) => o.ms);
  const starts = input.history.subscriptions.map((s) => (s.createdAt ? toMs(s.createdAt) : 0));
  const signupDay = input.history.signupAt ? dayNumber(input.history.signupAt) : input.firstActivityDay;
  const occurrences = input.occurrences.map((o) => ({
    key: o.key,
    first: toMs(o.firstSeenAt),
    last: o.open ? Number.POSITIVE_INFINITY : toMs(o.lastSeenAt),
  }));
  for (const d of grid) {
    if (signupDay === null || signupDay > d) continue;
    const asOf = (d + 1) * DAY_MS;
    const lastChurn = churns.filter((ms) => ms <= asOf).reduce((a, b) => Math.max(a, b), -1);
    const alive = lastChurn < 0 || starts.some((s) => s > lastChurn && s <= asOf);
    const paying = input.history.subscriptions.some((s) => payingAt(s, asOf));
    const eligible: [boolean, boolean] = [alive, paying];
    const firstHit: [number | null, number | null] = [null, null];
    for (const o of outcomes) {
      if (o.cls === null || o.ms <= asOf || o.ms > asOf + HORIZON_DAYS * DAY_MS) continue;
      const c = o.cls === 'expansion' ? 0 : 1;
      if (firstHit[c] === null || o.ms < firstHit[c]!) firstHit[c] = o.ms;
    }
    const active = new Map<string, number>();
    for (const o of occurrences) {
      if (o.first <= asOf && o.last > asOf - ACTIVE_WEEK_MS)
        active.set(o.key, Math.max(active.get(o.key) ?? 0, o.first));
    }
    for (const c of [0, 1] as const) {
      if (!eligible[c]) continue;
      tally.units[c]++;
      if (firstHit[c] !== null) tally.hits[c]++;
      for (const [key, since] of active) {
        tally.signals[key] ??= { fired: [0, 0], hits: [0, 0], leads: [[], []] };
        const s = tally.signals[key];
        s.fired[c]++;
        if (firstHit[c] !== null) {
          s.hits[c]++;
          s.leads[c].push(Math.round((firstHit[c]! - since) / DAY_MS));
        }
      }
    }
  }
  return tally;
}

/** Whether a subscription was billing a non-zero amount at `ms` (no trial, not ended). */
function payingAt(sub: SubscriptionHistory, ms: number): boolean {
  if (sub.createdAt && toMs(sub.createdAt) > ms) return false;
  if (sub.endedAt && toMs(sub.endedAt) <= ms) return false;
  if (sub.trialEnd && toMs(sub.trialEnd) > ms) return false;
  let arr = sub.points.length === 0 ? sub.current.arr : 0;
  for (const p of sub.points) {
    if (toMs(p.at) > ms) break;
    arr = p.arr;
  }
  return arr > 0;
}

/** Totals of many accounts' tallies: what backtest_results stores. */
export interface BacktestTotals {
  units: Pair;
  hits: Pair;
  signals: Record<
    string,
    { fired: Pair; hits: Pair; support: Pair; leadHist: [Record<string, number>, Record<string, number>] }
  >;
}

export const emptyTotals = (): BacktestTotals => ({ units: [0, 0], hits: [0, 0], signals: {} });

/** Add (sign 1) or remove (sign -1) one account's tally. */
export function applyTally(totals: BacktestTotals, tally: AccountTally, sign: 1 | -1): void {
  for (const c of [0, 1] as const) {
    totals.units[c] += sign * tally.units[c];
    totals.hits[c] += sign * tally.hits[c];
  }
  for (const [key, s] of Object.entries(tally.signals)) {
    totals.signals[key] ??= { fired: [0, 0], hits: [0, 0], support: [0, 0], leadHist: [{}, {}] };
    const t = totals.signals[key];
    for (const c of [0, 1] as const) {
      t.fired[c] += sign * s.fired[c];
      t.hits[c] += sign * s.hits[c];
      if (s.fired[c] > 0) t.support[c] += sign;
      for (const lead of s.leads[c]) {
        const hist = t.leadHist[c];
        hist[lead] = (hist[lead] ?? 0) + sign;
        if (hist[lead] === 0) delete hist[lead];
      }
    }
  }
}

function median(hist: Record<string, number>): number | null {
  const entries = Object.entries(hist)
    .map(([k, v]) => [Number(k), v] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => a[0] - b[0]);
  const n = entries.reduce((s, [, v]) => s + v, 0);
  if (n === 0) return null;
  const at = (rank: number) => {
    let seen = 0;
    for (const [k, v] of entries) {
      seen += v;
      if (seen > rank) return k;
    }
    return entries[entries.length - 1]![0];
  };
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

export interface BacktestRow {
  signal: string;
  outcome: OutcomeClass;
  firedUnits: number;
  firedHits: number;
  otherUnits: number;
  otherHits: number;
  precision: number | null;
  baseRate: number | null;
  lift: number | null;
  medianLeadDays: number | null;
  supportAccounts: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const round4 = (n: number | null) => (n === null ? null : Math.round(n * 10_000) / 10_000);

/** Per signal and outcome class: precision, base rate, lift, median lead time, support. */
export function backtestRows(totals: BacktestTotals, keys: readonly string[]): BacktestRow[] {
  const rows: BacktestRow[] = [];
  for (const key of keys) {
    const s = totals.signals[key] ?? { fired: [0, 0], hits: [0, 0], support: [0, 0], leadHist: [{}, {}] };
    CLASSES.forEach((outcome, index) => {
      const c = index as 0 | 1;
      const otherUnits = totals.units[c] - s.fired[c];
      const otherHits = totals.hits[c] - s.hits[c];
      const precision = ratio(s.hits[c], s.fired[c]);
      const baseRate = ratio(otherHits, otherUnits);
      rows.push({
        signal: key,
        outcome,
        firedUnits: s.fired[c],
        firedHits: s.hits[c],
        otherUnits,
        otherHits,
        precision: round4(precision),
        baseRate: round4(baseRate),
        lift: round4(precision !== null && baseRate ? precision / baseRate : null),
        medianLeadDays: median(s.leadHist[c]),
        supportAccounts: s.support[c],
      });
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Storage

/** Stored totals (the `*` rows carry the unit counts). */
export async function loadTotals(db: Kysely<DB>, workspaceId: string): Promise<BacktestTotals> {
  const rows = await db
    .selectFrom('backtest_results')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .execute();
  const totals = emptyTotals();
  for (const r of rows) {
    const c = r.outcome_class === 'churn' ? 1 : 0;
    if (r.signal_key === '*') {
      totals.units[c] = Number(r.fired_units);
      totals.hits[c] = Number(r.fired_hits);
      continue;
    }
    totals.signals[r.signal_key] ??= {
      fired: [0, 0],
      hits: [0, 0],
      support: [0, 0],
      leadHist: [{}, {}],
    };
    const s = totals.signals[r.signal_key]!;
    s.fired[c] = Number(r.fired_units);
    s.hits[c] = Number(r.fired_hits);
    s.support[c] = Number(r.support_accounts);
    s.leadHist[c] = fromJson(r.lead_hist_json, {});
  }
  return totals;
}

export async function saveTotals(
  db: Kysely<DB>,
  workspaceId: string,
  totals: BacktestTotals,
  keys: readonly string[],
  now: string,
): Promise<void> {
  const rows = backtestRows(totals, keys);
  const values = rows.map((r) => ({
    workspace_id: workspaceId,
    signal_key: r.signal,
    outcome_class: r.outcome,
    fired_units: r.firedUnits,
    fired_hits: r.firedHits,
    other_units: r.otherUnits,
    other_hits: r.otherHits,
    precision: r.precision,
    base_rate: r.baseRate,
    lift: r.lift,
    median_lead_days: r.medianLeadDays,
    support_accounts: r.supportAccounts,
    lead_hist_json: toJson(totals.signals[r.signal]?.leadHist[r.outcome === 'churn' ? 1 : 0] ?? {}),
    computed_at: now,
  }));
  for (const [c, outcome] of CLASSES.entries()) {
    values.push({
      workspace_id: workspaceId,
      signal_key: '*',
      outcome_class: outcome,
      fired_units: totals.units[c]!,
      fired_hits: totals.hits[c]!,
      other_units: 0,
      other_hits: 0,
      precision: null,
      base_rate: round4(ratio(totals.hits[c]!, totals.units[c]!)),
      lift: null,
      median_lead_days: null,
      support_accounts: 0,
      lead_hist_json: '{}',
      computed_at: now,
    });
  }
  await db.deleteFrom('backtest_results').where('workspace_id', '=', workspaceId).execute();
  for (const chunk of chunks(values, 200)) await db.insertInto('backtest_results').values(chunk).execute();
}

export interface StoredBacktest {
  computedAt: string | null;
  baseRates: Record<OutcomeClass, number | null>;
  rows: BacktestRow[];
}

/**
 * The stored backtest, per signal and outcome class.
 *
 * @example (await readBacktest(db, ws)).rows.filter((r) => r.signal === 'usage_drop')
 */
export async function readBacktest(db: Kysely<DB>, workspaceId: string): Promise<StoredBacktest> {
  const rows = await db
    .selectFrom('backtest_results')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .execute();
  const out: StoredBacktest = { computedAt: null, baseRates: { expansion: null, churn: null }, rows: [] };
  for (const r of rows) {
    out.computedAt = r.computed_at;
    const outcome = r.outcome_class as OutcomeClass;
    if (r.signal_key === '*') {
      out.baseRates[outcome] = r.base_rate === null ? null : Number(r.base_rate);
      continue;
    }
    out.rows.push({
      signal: r.signal_key,
      outcome,
      firedUnits: Number(r.fired_units),
      firedHits: Number(r.fired_hits),
      otherUnits: Number(r.other_units),
      otherHits: Number(r.other_hits),
      precision: r.precision === null ? null : Number(r.precision),
      baseRate: r.base_rate === null ? null : Number(r.base_rate),
      lift: r.lift === null ? null : Number(r.lift),
      medianLeadDays: r.median_lead_days === null ? null : Number(r.median_lead_days),
      supportAccounts: Number(r.support_accounts),
    });
  }
  out.rows.sort((a, b) => a.signal.localeCompare(b.signal) || a.outcome.localeCompare(b.outcome));
  return out;
}

export async function loadTallies(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
): Promise<Map<string, AccountTally>> {
  const out = new Map<string, AccountTally>();
  for (const chunk of chunks(accountIds)) {
    const rows = await db
      .selectFrom('account_backtest')
      .select(['account_id', 'tallies_json'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .execute();
    for (const r of rows)
      out.set(r.account_id, fromJson(r.tallies_json, { units: [0, 0], hits: [0, 0], signals: {} }));
  }
  return out;
}

export async function saveTallies(
  db: Kysely<DB>,
  workspaceId: string,
  tallies: ReadonlyMap<string, AccountTally>,
  replaceAll: boolean,
): Promise<void> {
  if (replaceAll) await db.deleteFrom('account_backtest').where('workspace_id', '=', workspaceId).execute();
  const values = [...tallies].map(([accountId, t]) => ({
    workspace_id: workspaceId,
    account_id: accountId,
    tallies_json: toJson(t),
  }));
  for (const chunk of chunks(values, 300)) {
    await db
      .insertInto('account_backtest')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'account_id'])
          .doUpdateSet((eb) => ({ tallies_json: eb.ref('excluded.tallies_json') })),
      )
      .execute();
  }
}
