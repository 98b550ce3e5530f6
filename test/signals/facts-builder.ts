import {
  type AccountFacts,
  type AccountHistory,
  DailySeries,
  dayNumber,
  factsAt,
  type NpsAnswer,
  type PersonFact,
  type SubscriptionHistory,
} from '../../src/accounts/index.js';

/** The fixed clock every detector test runs on: as-of day (last complete day) is 2025-06-14. */
export const NOW = new Date('2025-06-15T12:00:00.000Z');
export const AS_OF_DAY = dayNumber(NOW) - 1;

export const daysAgo = (n: number, from: Date = NOW) =>
  new Date(from.getTime() - n * 86_400_000).toISOString();
export const daysAhead = (n: number, from: Date = NOW) => daysAgo(-n, from);

export interface UsageSpec {
  event: string;
  /** 0 = the as-of day (yesterday), 1 = the day before, -1 = today (partial). */
  daysAgo: number;
  count: number;
}

/** `count` of `event` on every one of `days` days ending `endDaysAgo` days ago. */
export const daily = (event: string, count: number, days: number, endDaysAgo = 0): UsageSpec[] =>
  Array.from({ length: days }, (_, i) => ({ event, daysAgo: endDaysAgo + i, count }));

export const person = (over: Partial<PersonFact> = {}): PersonFact => ({
  id: over.id ?? `p_${Math.random().toString(36).slice(2, 8)}`,
  email: null,
  name: null,
  title: null,
  department: null,
  createdAt: daysAgo(200),
  lastSeenAt: daysAgo(1),
  ...over,
});

export const subscription = (over: Partial<SubscriptionHistory> = {}): SubscriptionHistory => ({
  id: 'sub_1',
  status: 'active',
  createdAt: daysAgo(300),
  startedAt: daysAgo(300),
  trialStart: null,
  trialEnd: null,
  canceledAt: null,
  cancelAt: null,
  cancelAtPeriodEnd: false,
  endedAt: null,
  currentPeriodEnd: daysAhead(20),
  interval: 'month',
  intervalCount: 1,
  currency: 'usd',
  current: { arr: 12_000, seats: 10, plan: 'pro', seatLimit: null },
  points: [],
  ...over,
});

export interface FactsSpec {
  now?: Date;
  usage?: UsageSpec[];
  persons?: PersonFact[];
  subscriptions?: SubscriptionHistory[];
  nps?: NpsAnswer[];
  signupAt?: string | null;
  health?: { daysAgo: number; health: number }[];
  live?: boolean;
}

/**
 * One account's facts as a detector sees them, on the fixed clock.
 *
 * @example facts({ usage: daily('feature_used', 10, 7) })
 */
export function facts(spec: FactsSpec = {}): AccountFacts {
  const now = spec.now ?? NOW;
  const asOfDay = dayNumber(now) - 1;
  const series = DailySeries.from(
    (spec.usage ?? []).map((u) => ({ event: u.event, day: asOfDay - u.daysAgo, count: u.count })),
  );
  const history: AccountHistory = {
    observedAt: now.toISOString(),
    signupAt: spec.signupAt === undefined ? daysAgo(365, now) : spec.signupAt,
    persons: spec.persons ?? [],
    subscriptions: spec.subscriptions ?? [],
    nps: spec.nps ?? [],
  };
  return factsAt(
    {
      accountId: 'acc_test',
      domain: 'acme.io',
      history,
      usage: series.view(asOfDay, asOfDay + 1),
      healthHistory: (spec.health ?? []).map((h) => ({ day: asOfDay - h.daysAgo, health: h.health })),
    },
    now,
    spec.live ?? true,
  );
}
