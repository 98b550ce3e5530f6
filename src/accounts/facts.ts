import type { BillingPoint, DealFact, NpsAnswer, PersonFact, SubscriptionHistory } from '../model/index.js';
import { DAY_MS, dayNumber, toMs } from './days.js';
import type { UsageView } from './usage.js';

/**
 * What Beton knows about one account, twice over: `AccountHistory` is the time-indexed record built
 * from the account's source records (cached per account, rebuilt only when its records change), and
 * `AccountFacts` is that history seen *as of* one moment — the only thing a detector receives. Live
 * runs look as of now; the backtest replays past moments, so nothing here may peek past `asOf`.
 */

export type { BillingPoint, NpsAnswer, PersonFact, SubscriptionHistory } from '../model/index.js';

export interface AccountHistory {
  /** When this history was observed (the newest synced_at among its records). */
  observedAt: string;
  /** First time any source saw the account (signup). */
  signupAt: string | null;
  persons: PersonFact[];
  subscriptions: SubscriptionHistory[];
  nps: NpsAnswer[];
  /** Sales deals from a CRM (absent in histories cached before deals were read). */
  deals?: DealFact[];
}

export interface SubscriptionFact {
  id: string;
  status: 'trialing' | 'active' | 'past_due' | 'canceled' | 'other';
  plan: string | null;
  seats: number;
  seatLimit: number | null;
  arr: number;
  interval: SubscriptionHistory['interval'];
  trialEnd: string | null;
  currentPeriodEnd: string | null;
  canceledAt: string | null;
  /** When the subscription will end, if a cancellation is scheduled. */
  cancelAt: string | null;
}

export interface HealthPoint {
  day: number;
  health: number;
}

/** One account as of `asOf`: the whole input of every detector. */
export interface AccountFacts {
  accountId: string;
  domain: string;
  asOf: string;
  /** Last complete UTC day at `asOf`; usage windows end here. */
  asOfDay: number;
  signupAt: string | null;
  usage: UsageView;
  persons: PersonFact[];
  /** The main subscription (active or trialing with the highest ARR, else the most recent). */
  subscription: SubscriptionFact | null;
  /** Total ARR across subscriptions at `asOf`. */
  arr: number;
  /** ARR over time up to `asOf` (oldest first), one point per billing change. */
  arrHistory: { at: string; arr: number }[];
  nps: NpsAnswer[];
  /**
   * Health from previous score runs up to asOfDay, as change points: each point holds until the
   * next one (oldest first).
   */
  healthHistory: HealthPoint[];
}

const before = (iso: string | null, asOfMs: number) => iso !== null && toMs(iso) <= asOfMs;

/** Add whole billing intervals to a start until the result is after `asOfMs`. */
function nextPeriodEnd(sub: SubscriptionHistory, asOfMs: number): string | null {
  const anchor = sub.startedAt ?? sub.createdAt;
  if (!anchor || !sub.interval) return sub.currentPeriodEnd;
  const start = new Date(anchor);
  const count = Math.max(1, sub.intervalCount);
  // Start a little short of the answer instead of at the first period (replay asks for every grid
  // day): an interval is at most 31 days a month (3 more when a month end overflows) or 366 a year,
  // so the period `first - 1` ends on or before `asOfMs`.
  const longest =
    sub.interval === 'year'
      ? 366 * DAY_MS
      : sub.interval === 'month'
        ? 31 * DAY_MS
        : (sub.interval === 'week' ? 7 : 1) * DAY_MS;
  const first = Math.max(1, Math.floor((asOfMs - start.getTime() - 3 * DAY_MS) / (longest * count)));
  for (let k = first; k < 10_000; k++) {
    const d = new Date(start);
    if (sub.interval === 'year') d.setUTCFullYear(d.getUTCFullYear() + k * count);
    else if (sub.interval === 'month') d.setUTCMonth(d.getUTCMonth() + k * count);
    else d.setTime(start.getTime() + k * count * (sub.interval === 'week' ? 7 : 1) * DAY_MS);
    if (d.getTime() > asOfMs) return d.toISOString();
  }
  return null;
}

/** The subscription as it stood at `asOfMs`, or null if it did not exist yet. */
export function subscriptionAt(
  sub: SubscriptionHistory,
  asOfMs: number,
  live: boolean,
): SubscriptionFact | null {
  if (sub.createdAt && toMs(sub.createdAt) > asOfMs) return null;
  let point: Omit<BillingPoint, 'at'> = sub.current;
  if (!live) {
    const past = sub.points.filter((p) => toMs(p.at) <= asOfMs);
    if (past.length > 0) point = past[past.length - 1]!;
  }
  let status: SubscriptionFact['status'];
  if (before(sub.endedAt, asOfMs)) status = 'canceled';
  else if (
    !live &&
    sub.trialEnd &&
    toMs(sub.trialEnd) > asOfMs &&
    before(sub.trialStart ?? sub.createdAt, asOfMs)
  ) {
    status = 'trialing';
  } else if (!live) status = 'active';
  else
    status =
      (['trialing', 'active', 'past_due', 'canceled'] as const).find((s) => s === sub.status) ?? 'other';
  const cancellationKnown =
    before(sub.canceledAt, asOfMs) || (live && (sub.cancelAt !== null || sub.cancelAtPeriodEnd));
  const periodEnd = live ? sub.currentPeriodEnd : nextPeriodEnd(sub, asOfMs);
  let cancelAt: string | null = null;
  if (cancellationKnown && status !== 'canceled') {
    cancelAt = sub.cancelAt ?? (sub.cancelAtPeriodEnd ? periodEnd : null) ?? sub.endedAt;
  }
  return {
    id: sub.id,
    status,
    plan: point.plan,
    seats: point.seats,
    seatLimit: point.seatLimit,
    arr: status === 'canceled' || status === 'trialing' ? 0 : point.arr,
    interval: sub.interval,
    trialEnd: sub.trialEnd,
    currentPeriodEnd: periodEnd,
    canceledAt: cancellationKnown ? sub.canceledAt : null,
    cancelAt,
  };
}

/** ARR across all subscriptions at each billing change (computed once per history). */
const timelines = new WeakMap<AccountHistory, { at: string; arr: number; ms: number }[]>();

function arrTimeline(history: AccountHistory, asOfMs: number): { at: string; arr: number }[] {
  let timeline = timelines.get(history);
  if (!timeline) {
    type Change = { ms: number; at: string; sub: string; arr: number };
    const changes: Change[] = [];
    for (const sub of history.subscriptions) {
      for (const p of sub.points) changes.push({ ms: toMs(p.at), at: p.at, sub: sub.id, arr: p.arr });
      if (sub.endedAt) changes.push({ ms: toMs(sub.endedAt), at: sub.endedAt, sub: sub.id, arr: 0 });
    }
    changes.sort((a, b) => a.ms - b.ms || a.sub.localeCompare(b.sub));
    const bySub = new Map<string, number>();
    timeline = [];
    for (const c of changes) {
      bySub.set(c.sub, c.arr);
      let total = 0;
      for (const v of bySub.values()) total += v;
      const last = timeline[timeline.length - 1];
      if (last && last.ms === c.ms) last.arr = total;
      else if (!last || last.arr !== total) timeline.push({ at: c.at, arr: total, ms: c.ms });
    }
    timelines.set(history, timeline);
  }
  const out: { at: string; arr: number }[] = [];
  for (const point of timeline) {
    if (point.ms > asOfMs) break;
    out.push({ at: point.at, arr: point.arr });
  }
  return out;
}

/** The items visible at as-of; the same array when all are (the usual live case: no copy). */
/** The people who existed at `asOfMs` (the same array when all did). */
function personsAt(persons: AccountHistory['persons'], asOfMs: number): AccountHistory['persons'] {
  let all = true;
  for (const p of persons) {
    if (p.createdAt !== null && toMs(p.createdAt) > asOfMs) {
      all = false;
      break;
    }
  }
  return all ? persons : persons.filter((p) => p.createdAt === null || toMs(p.createdAt) <= asOfMs);
}

/** The answers given by `asOfMs` (the same array when all were). */
function npsAt(nps: AccountHistory['nps'], asOfMs: number): AccountHistory['nps'] {
  let all = true;
  for (const n of nps) {
    if (toMs(n.at) > asOfMs) {
      all = false;
      break;
    }
  }
  return all ? nps : nps.filter((n) => toMs(n.at) <= asOfMs);
}

const rankOf = (s: SubscriptionFact) =>
  s.status === 'active' || s.status === 'past_due' ? 2 : s.status === 'trialing' ? 1 : 0;
/** The subscription that speaks for the account first: active, then larger, then by id. */
const bySubscriptionRank = (a: SubscriptionFact, b: SubscriptionFact) =>
  rankOf(b) - rankOf(a) || b.arr - a.arr || b.seats - a.seats || a.id.localeCompare(b.id);

export interface FactsInput {
  accountId: string;
  domain: string;
  history: AccountHistory;
  usage: UsageView;
  /** Previous health (change points), or a function that parses them when a detector asks. */
  healthHistory?: HealthPoint[] | (() => HealthPoint[]);
}

// Live detection passes the same moment for every account: format it once.
let lastAsOf: { ms: number; iso: string; day: number } | null = null;
function moment(asOf: Date) {
  const ms = asOf.getTime();
  if (lastAsOf?.ms !== ms) lastAsOf = { ms, iso: asOf.toISOString(), day: dayNumber(asOf) - 1 };
  return lastAsOf;
}

/**
 * The account as of `asOf`. `live` means "now, with the subscription objects as they are"; a replay
 * of a past moment reconstructs state from invoices and timestamps instead.
 *
 * @example
 * const facts = factsAt({ accountId, domain, history, usage: series.view(day - 1, day) }, clock.now(), true);
 */
export function factsAt(input: FactsInput, asOf: Date, live: boolean): AccountFacts {
  const asOfMs = asOf.getTime();
  const { history } = input;
  // Loops and module-level helpers, no closures: replay asks for every account on every grid day.
  const subs: SubscriptionFact[] = [];
  let arr = 0;
  for (const s of history.subscriptions) {
    const fact = subscriptionAt(s, asOfMs, live);
    if (fact === null) continue;
    subs.push(fact);
    arr += fact.arr;
  }
  if (subs.length > 1) subs.sort(bySubscriptionRank);
  const { iso, day: asOfDay } = moment(asOf);
  let arrHistory: AccountFacts['arrHistory'] | undefined;
  let healthHistory: HealthPoint[] | undefined;
  const health = input.healthHistory ?? [];
  return {
    accountId: input.accountId,
    domain: input.domain,
    asOf: iso,
    asOfDay,
    signupAt: history.signupAt && toMs(history.signupAt) <= asOfMs ? history.signupAt : null,
    usage: input.usage,
    persons: personsAt(history.persons, asOfMs),
    subscription: subs[0] ?? null,
    arr,
    // Only arr_decrease reads it: built on first use.
    get arrHistory() {
      arrHistory ??= arrTimeline(history, asOfMs);
      return arrHistory;
    },
    nps: npsAt(history.nps, asOfMs),
    // Only health_score_decrease reads it: parsed on first use.
    get healthHistory() {
      healthHistory ??= (typeof health === 'function' ? health() : health).filter((h) => h.day <= asOfDay);
      return healthHistory;
    },
  };
}
