import { z } from 'zod';
import {
  ACTIVITY,
  type AccountFacts,
  DAY_MS,
  dayNumber,
  dayString,
  type EventSelector,
} from '../../accounts/index.js';
import { defineDetector, eventsParam, fmt, ramp } from '../detector.js';

/** Detectors over daily usage aggregates (usage facts, `usage_daily`). */

const selector = (events: string[] | null): EventSelector => events ?? ACTIVITY;
const label = (events: string[] | null) => (events ? events.join(', ') : 'events');
/** Start of the UTC day after `day`, i.e. the moment that day was complete. */
const endOf = (day: number) => new Date((day + 1) * DAY_MS).toISOString();
const at = (facts: AccountFacts) => facts.asOf;

export const usageSpike = defineDetector({
  key: 'usage_spike',
  title: 'Usage spike',
  description:
    'Usage in the last 7 days is at least `ratio` times the weekly average of the 28 days before, on a baseline large enough to mean something.',
  direction: 'expansion',
  inputs: ['usage'],
  params: z.object({
    events: eventsParam(null),
    ratio: z.number().min(1.1).max(100).default(2),
    minRecent: z.number().int().min(0).default(50),
    minBaseline: z.number().min(0).default(10),
  }),
  weight: 0.7,
  dedupeDays: 14,
  replayable: true,
  usageWindows: () => [7, 35],
  detect(facts, p) {
    const recent = facts.usage.sum(selector(p.events), 7);
    const baseline = (facts.usage.sum(selector(p.events), 35) - recent) / 4;
    if (baseline < p.minBaseline || baseline <= 0 || recent < p.minRecent || recent < p.ratio * baseline)
      return null;
    const ratio = recent / baseline;
    return {
      strength: ramp(ratio, p.ratio, p.ratio * 2),
      occurredAt: at(facts),
      evidence: {
        recent7d: recent,
        weeklyBaseline: round1(baseline),
        ratio: round2(ratio),
        threshold: p.ratio,
      },
      explanation: `${fmt(recent)} ${label(p.events)} in the last 7 days, ${fmt(round1(ratio))}× the weekly average of ${fmt(round1(baseline))} over the 28 days before (threshold ${fmt(p.ratio)}×).`,
    };
  },
});

export const usageDrop = defineDetector({
  key: 'usage_drop',
  title: 'Usage drop',
  description:
    'Usage in the last 7 days fell by at least `dropPct` % against the weekly average of the 28 days before.',
  direction: 'churn',
  inputs: ['usage'],
  params: z.object({
    events: eventsParam(null),
    dropPct: z.number().min(1).max(100).default(50),
    minBaseline: z.number().min(0).default(20),
  }),
  weight: 0.8,
  dedupeDays: 14,
  replayable: true,
  usageWindows: () => [7, 35],
  detect(facts, p) {
    const recent = facts.usage.sum(selector(p.events), 7);
    const baseline = (facts.usage.sum(selector(p.events), 35) - recent) / 4;
    if (baseline < p.minBaseline || baseline <= 0) return null;
    const drop = (1 - recent / baseline) * 100;
    if (drop < p.dropPct) return null;
    return {
      strength: ramp(drop, p.dropPct, 100),
      occurredAt: at(facts),
      evidence: {
        recent7d: recent,
        weeklyBaseline: round1(baseline),
        dropPct: round1(drop),
        threshold: p.dropPct,
      },
      explanation: `${fmt(recent)} ${label(p.events)} in the last 7 days against a weekly average of ${fmt(round1(baseline))} over the 28 days before: down ${fmt(round1(drop))} % (threshold ${fmt(p.dropPct)} %).`,
    };
  },
});

export const usageWowDecline = defineDetector({
  key: 'usage_wow_decline',
  title: 'Week-over-week decline',
  description:
    'Weekly usage fell `weeks` weeks in a row, by at least `minDeclinePct` % in total, from a starting week of at least `minStartVolume`.',
  direction: 'churn',
  inputs: ['usage'],
  params: z.object({
    events: eventsParam(null),
    weeks: z.number().int().min(2).max(8).default(3),
    minDeclinePct: z.number().min(1).max(100).default(30),
    minStartVolume: z.number().min(0).default(20),
  }),
  weight: 0.6,
  dedupeDays: 14,
  replayable: true,
  usageWindows: (p) => Array.from({ length: p.weeks + 1 }, (_, i) => 7 * (i + 1)),
  detect(facts, p) {
    const sel = selector(p.events);
    // weekly[0] is the latest week, weekly[weeks] the starting one.
    const weekly: number[] = [];
    let previous = 0;
    for (let k = 1; k <= p.weeks + 1; k++) {
      const total = facts.usage.sum(sel, 7 * k);
      weekly.push(total - previous);
      previous = total;
    }
    for (let k = 0; k < p.weeks; k++) if (!(weekly[k]! < weekly[k + 1]!)) return null;
    const start = weekly[p.weeks]!;
    if (start < p.minStartVolume) return null;
    const decline = ((start - weekly[0]!) / start) * 100;
    if (decline < p.minDeclinePct) return null;
    const series = [...weekly].reverse();
    return {
      strength: ramp(decline, p.minDeclinePct, 100),
      occurredAt: at(facts),
      evidence: {
        weeklyTotals: series,
        declinePct: round1(decline),
        weeks: p.weeks,
        threshold: p.minDeclinePct,
      },
      explanation: `Weekly ${label(p.events)} fell ${p.weeks} weeks in a row (${series.map(fmt).join(' → ')}), down ${fmt(round1(decline))} % (threshold ${fmt(p.minDeclinePct)} %).`,
    };
  },
});

export const inactivity = defineDetector({
  key: 'inactivity',
  title: 'Inactivity',
  description: 'An account that was active has had no engagement for at least `days` days.',
  direction: 'churn',
  inputs: ['usage'],
  params: z.object({ events: eventsParam(null), days: z.number().int().min(1).max(365).default(14) }),
  weight: 1,
  dedupeDays: 30,
  replayable: true,
  detect(facts, p) {
    const last = facts.usage.lastDay(selector(p.events));
    if (last === null) return null;
    const idle = facts.asOfDay - last;
    if (idle < p.days) return null;
    return {
      strength: ramp(idle, p.days, p.days * 3),
      occurredAt: endOf(last + p.days),
      evidence: { lastActiveDay: dayString(last), daysInactive: idle, threshold: p.days },
      explanation: `No ${label(p.events)} for ${idle} days (last activity ${dayString(last)}; threshold ${p.days} days).`,
    };
  },
});

function windowCount(
  key: string,
  title: string,
  description: string,
  options: {
    direction: 'expansion' | 'churn';
    events: string[];
    windowDays: number;
    min: number;
    minName: string;
    noun: string;
    weight: number;
  },
) {
  return defineDetector({
    key,
    title,
    description,
    direction: options.direction,
    inputs: ['usage'],
    params: z.object({
      events: z.array(z.string().min(1).max(200)).min(1).max(50).default(options.events),
      windowDays: z.number().int().min(1).max(180).default(options.windowDays),
      min: z.number().int().min(1).default(options.min).describe(options.minName),
    }),
    weight: options.weight,
    dedupeDays: options.windowDays,
    replayable: true,
    usageWindows: (p) => [p.windowDays],
    detect(facts, p) {
      const count = facts.usage.sum(p.events, p.windowDays);
      if (count < p.min) return null;
      return {
        strength: ramp(count, p.min, p.min * 5),
        occurredAt: at(facts),
        evidence: { count, windowDays: p.windowDays, threshold: p.min, events: p.events },
        explanation: `${fmt(count)} ${options.noun} in the last ${p.windowDays} days (threshold ${fmt(p.min)}).`,
      };
    },
  });
}

export const nearingPaywall = windowCount(
  'nearing_paywall',
  'Nearing the paywall',
  'Users hit at least 80 % of a plan limit (`usage_limit_warning`) at least `min` times in the last `windowDays` days.',
  {
    direction: 'expansion',
    events: ['usage_limit_warning'],
    windowDays: 14,
    min: 2,
    minName: 'warnings',
    noun: 'plan-limit warnings',
    weight: 1,
  },
);

export const invitesSent = windowCount(
  'invites_sent',
  'Invites sent',
  'Users invited at least `min` teammates in the last `windowDays` days.',
  {
    direction: 'expansion',
    events: ['user_invited'],
    windowDays: 14,
    min: 3,
    minName: 'invites',
    noun: 'invites sent',
    weight: 0.6,
  },
);

export const upgradePageVisit = windowCount(
  'upgrade_page_visit',
  'Pricing or upgrade page visits',
  'The pricing or upgrade page was viewed at least `min` times in the last `windowDays` days.',
  {
    direction: 'expansion',
    events: ['$pageview:/pricing', '$pageview:/upgrade'],
    windowDays: 14,
    min: 2,
    minName: 'visits',
    noun: 'pricing/upgrade page views',
    weight: 0.8,
  },
);

export const incompleteOnboarding = defineDetector({
  key: 'incomplete_onboarding',
  title: 'Incomplete onboarding',
  description:
    "The account signed up between `minDays` and `maxDays` days ago and never completed onboarding (`onboarding_completed`). Judged only when Beton's usage reaches back to the account's first days: an account whose first recorded activity comes more than `minDays` after signup (it signed up before the synced usage history starts, or its usage is not tracked) could have onboarded unseen.",
  direction: 'churn',
  inputs: ['usage', 'signup'],
  params: z.object({
    event: z.string().min(1).max(200).default('onboarding_completed'),
    minDays: z.number().int().min(1).default(14),
    maxDays: z.number().int().min(1).default(60),
  }),
  weight: 0.6,
  dedupeDays: 60,
  replayable: true,
  detect(facts, p) {
    const signupDay = facts.signupAt ? dayNumber(facts.signupAt) : facts.usage.firstDay(ACTIVITY);
    if (signupDay === null) return null;
    const age = facts.asOfDay - signupDay;
    if (age < p.minDays || age > p.maxDays || p.maxDays < p.minDays) return null;
    if (facts.usage.lastDay(p.event) !== null) return null;
    const firstActive = facts.usage.firstDay(ACTIVITY);
    if (firstActive === null || firstActive - signupDay > p.minDays) return null;
    return {
      strength: ramp(age, p.minDays, p.maxDays),
      occurredAt: endOf(signupDay + p.minDays),
      evidence: {
        signupDay: dayString(signupDay),
        daysSinceSignup: age,
        event: p.event,
        threshold: p.minDays,
      },
      explanation: `Signed up ${age} days ago (${dayString(signupDay)}) and has not completed onboarding (no "${p.event}"; threshold ${p.minDays} days).`,
    };
  },
});

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
