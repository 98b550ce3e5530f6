import { z } from 'zod';
import { type AccountFacts, DAY_MS, toMs } from '../../accounts/index.js';
import { defineDetector, fmt, money, ramp } from '../detector.js';

/** Detectors over billing facts: seats, plan, trial, renewal, cancellation and ARR. */

const daysUntil = (facts: AccountFacts, iso: string) => (toMs(iso) - toMs(facts.asOf)) / DAY_MS;
const day = (iso: string) => iso.slice(0, 10);
const live = (facts: AccountFacts) => {
  const s = facts.subscription;
  return s && (s.status === 'active' || s.status === 'past_due' || s.status === 'trialing') ? s : null;
};

/**
 * Seats in use against seats available: known users against paid seats (subscription quantity), and paid
 * seats against the plan's seat limit when the price carries one (`metadata.seat_limit`).
 */
function seatPressure(facts: AccountFacts) {
  const sub = live(facts);
  if (!sub || sub.status === 'trialing' || sub.seats <= 0) return null;
  const users = facts.persons.length;
  const candidates: { basis: 'paid_seats' | 'plan_limit'; used: number; available: number }[] = [
    { basis: 'paid_seats', used: users, available: sub.seats },
  ];
  if (sub.seatLimit && sub.seatLimit > 0)
    candidates.push({ basis: 'plan_limit', used: sub.seats, available: sub.seatLimit });
  const worst = candidates.reduce((a, b) => (b.used / b.available > a.used / a.available ? b : a));
  return { sub, users, ...worst, pct: (worst.used / worst.available) * 100 };
}

const describeSeats = (x: NonNullable<ReturnType<typeof seatPressure>>) =>
  x.basis === 'paid_seats'
    ? `${x.used} users on ${x.available} paid seats`
    : `${x.used} seats against the ${x.sub.plan ?? 'plan'} limit of ${x.available}`;

export const approachingSeatLimit = defineDetector({
  key: 'approaching_seat_limit',
  title: 'Approaching the seat limit',
  description:
    "Known users reached at least `thresholdPct` % of the paid seats (subscription quantity), or paid seats reached that share of the plan's seat limit (`metadata.seat_limit`), without going over.",
  direction: 'expansion',
  inputs: ['subscription', 'persons'],
  params: z.object({ thresholdPct: z.number().min(1).max(100).default(85) }),
  weight: 0.9,
  dedupeDays: 30,
  replayable: true,
  detect(facts, p) {
    const x = seatPressure(facts);
    if (!x || x.pct < p.thresholdPct || x.used > x.available) return null;
    return {
      strength: ramp(x.pct, p.thresholdPct, 100),
      occurredAt: facts.asOf,
      evidence: {
        used: x.used,
        available: x.available,
        basis: x.basis,
        usedPct: Math.round(x.pct),
        threshold: p.thresholdPct,
        plan: x.sub.plan,
      },
      explanation: `${describeSeats(x)} (${Math.round(x.pct)} %, threshold ${fmt(p.thresholdPct)} %).`,
    };
  },
});

export const overage = defineDetector({
  key: 'overage',
  title: 'Over the plan',
  description:
    "More known users than paid seats, or more paid seats than the plan's seat limit, by at least `minOver`.",
  direction: 'expansion',
  inputs: ['subscription', 'persons'],
  params: z.object({ minOver: z.number().int().min(1).default(1) }),
  weight: 1,
  dedupeDays: 30,
  replayable: true,
  detect(facts, p) {
    const x = seatPressure(facts);
    if (!x) return null;
    const over = x.used - x.available;
    if (over < p.minOver) return null;
    return {
      strength: ramp(over / x.available, 0, 0.5),
      occurredAt: facts.asOf,
      evidence: { used: x.used, available: x.available, basis: x.basis, over, threshold: p.minOver },
      explanation: `${describeSeats(x)}: ${over} over (threshold ${p.minOver}).`,
    };
  },
});

export const trialEnding = defineDetector({
  key: 'trial_ending',
  title: 'Trial ending',
  description: 'A trial ends within `withinDays` days.',
  direction: 'timing',
  inputs: ['subscription'],
  params: z.object({ withinDays: z.number().int().min(1).max(60).default(7) }),
  weight: 0.5,
  dedupeDays: 30,
  replayable: true,
  detect(facts, p) {
    const sub = facts.subscription;
    if (sub?.status !== 'trialing' || !sub.trialEnd) return null;
    const left = daysUntil(facts, sub.trialEnd);
    if (left <= 0 || left > p.withinDays) return null;
    return {
      strength: ramp(p.withinDays - left, 0, p.withinDays),
      occurredAt: new Date(toMs(sub.trialEnd) - p.withinDays * DAY_MS).toISOString(),
      evidence: {
        trialEnd: sub.trialEnd,
        daysLeft: Math.ceil(left),
        plan: sub.plan,
        withinDays: p.withinDays,
      },
      explanation: `Trial${sub.plan ? ` of ${sub.plan}` : ''} ends on ${day(sub.trialEnd)}, in ${Math.ceil(left)} day${Math.ceil(left) === 1 ? '' : 's'} (window ${p.withinDays} days).`,
    };
  },
});

export const upcomingRenewal = defineDetector({
  key: 'upcoming_renewal',
  title: 'Upcoming renewal',
  description:
    'A subscription billed by one of `intervals` renews within `withinDays` days and no cancellation is scheduled.',
  direction: 'timing',
  inputs: ['subscription'],
  params: z.object({
    withinDays: z.number().int().min(1).max(120).default(30),
    intervals: z
      .array(z.enum(['day', 'week', 'month', 'year']))
      .min(1)
      .default(['year']),
  }),
  weight: 0.3,
  dedupeDays: 60,
  replayable: true,
  detect(facts, p) {
    const sub = facts.subscription;
    if (sub?.status !== 'active' || sub.cancelAt || !sub.currentPeriodEnd || !sub.interval) return null;
    if (!p.intervals.includes(sub.interval)) return null;
    const left = daysUntil(facts, sub.currentPeriodEnd);
    if (left <= 0 || left > p.withinDays) return null;
    return {
      strength: ramp(p.withinDays - left, 0, p.withinDays),
      occurredAt: new Date(toMs(sub.currentPeriodEnd) - p.withinDays * DAY_MS).toISOString(),
      evidence: {
        renewsAt: sub.currentPeriodEnd,
        daysLeft: Math.ceil(left),
        arr: Math.round(sub.arr),
        interval: sub.interval,
      },
      explanation: `${sub.interval === 'year' ? 'Annual' : `Per-${sub.interval}`} subscription (${money(sub.arr)} ARR) renews on ${day(sub.currentPeriodEnd)}, in ${Math.ceil(left)} days (window ${p.withinDays} days).`,
    };
  },
});

export const futureCancellation = defineDetector({
  key: 'future_cancellation',
  title: 'Cancellation scheduled',
  description: 'The subscription is set to cancel at a future date (`cancel_at` or `cancel_at_period_end`).',
  direction: 'churn',
  inputs: ['subscription'],
  params: z.object({}),
  weight: 2,
  dedupeDays: 90,
  replayable: true,
  detect(facts) {
    const sub = facts.subscription;
    if (!sub?.cancelAt || sub.status === 'canceled') return null;
    const left = daysUntil(facts, sub.cancelAt);
    if (left <= 0) return null;
    return {
      strength: 1,
      occurredAt: sub.canceledAt ?? facts.asOf,
      evidence: {
        cancelAt: sub.cancelAt,
        requestedAt: sub.canceledAt,
        daysLeft: Math.ceil(left),
        arr: Math.round(sub.arr),
        plan: sub.plan,
      },
      explanation:
        `Cancellation${sub.canceledAt ? ` requested on ${day(sub.canceledAt)}` : ' scheduled'}: the ${sub.plan ?? ''} subscription (${money(sub.arr)} ARR) ends on ${day(sub.cancelAt)}, in ${Math.ceil(left)} days.`.replace(
          'the  subscription',
          'the subscription',
        ),
    };
  },
});

export const arrDecrease = defineDetector({
  key: 'arr_decrease',
  title: 'ARR decrease',
  description:
    'ARR fell by at least `minDecreasePct` % from its highest point in the last `lookbackDays` days while the account still pays (a downgrade or seat reduction, not the churn itself).',
  direction: 'churn',
  inputs: ['arr', 'subscription'],
  params: z.object({
    lookbackDays: z.number().int().min(7).max(365).default(60),
    minDecreasePct: z.number().min(1).max(100).default(10),
  }),
  weight: 1.2,
  dedupeDays: 60,
  replayable: true,
  detect(facts, p) {
    if (!live(facts) || facts.arr <= 0) return null;
    const since = toMs(facts.asOf) - p.lookbackDays * DAY_MS;
    const history = facts.arrHistory;
    let peak = 0;
    let peakAt: string | null = null;
    let dropAt: string | null = null;
    for (let i = 0; i < history.length; i++) {
      const point = history[i]!;
      const next = history[i + 1];
      // A point counts if the ARR it set was still in force at some moment inside the window.
      const inForce = next === undefined || toMs(next.at) > since;
      if (inForce && point.arr > peak) {
        peak = point.arr;
        peakAt = point.at;
      }
      if (toMs(point.at) > since && i > 0 && point.arr < history[i - 1]!.arr) dropAt = point.at;
    }
    if (peak <= 0 || !peakAt) return null;
    const decrease = ((peak - facts.arr) / peak) * 100;
    if (decrease < p.minDecreasePct) return null;
    return {
      strength: ramp(decrease, p.minDecreasePct, 60),
      occurredAt: dropAt ?? facts.asOf,
      evidence: {
        arrBefore: Math.round(peak),
        arrNow: Math.round(facts.arr),
        decreasePct: Math.round(decrease),
        lookbackDays: p.lookbackDays,
      },
      explanation: `ARR fell from ${money(peak)} to ${money(facts.arr)} (−${Math.round(decrease)} %) in the last ${p.lookbackDays} days (threshold ${fmt(p.minDecreasePct)} %).`,
    };
  },
});
