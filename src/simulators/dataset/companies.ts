import { DAY, HOUR, isoOf, periodAt } from './calendar.js';
import { FREE_SEAT_LIMIT, PLAN_SPECS, planRank } from './catalog.js';
import type { CompanyModel, Decoy, Story, Timeline } from './model.js';
import { hashInts, Rng } from './random.js';
import type { Company, LeadingBehaviour, Plan } from './types.js';
import { INDUSTRIES, LOCATIONS, NAME_STEMS_A, NAME_STEMS_B, NAME_SUFFIXES, TLDS } from './words.js';

type PaidPlan = Exclude<Plan, 'free'>;

/**
 * Companies with their stories: plan and seats at "now", an optional outcome inside the history
 * (already in Stripe) and an optional planted future (after now), each with the behaviour that
 * leads up to it. People, billing and usage are derived from these models afterwards.
 */
export function buildCompanies(worldSeed: number, count: number, tl: Timeline): CompanyModel[] {
  const names = new Rng(hashInts(worldSeed, 0x4e414d45));
  const usedDomains = new Set<string>();
  const models: CompanyModel[] = [];
  for (let i = 0; i < count; i++) {
    const { name, domain } = uniqueName(names, usedDomains);
    models.push(buildCompany(worldSeed, i, name, domain, tl));
  }
  return models;
}

function uniqueName(rng: Rng, used: Set<string>): { name: string; domain: string } {
  for (let attempt = 0; ; attempt++) {
    const a = rng.pick(NAME_STEMS_A);
    const b = rng.chance(0.55) ? rng.pick(NAME_STEMS_B) : '';
    const suffix = rng.pick(NAME_SUFFIXES);
    const stem = `${a}${b}`;
    const name = suffix ? `${stem} ${suffix}` : stem;
    const tld = rng.weighted(TLDS);
    const slug = stem.toLowerCase();
    const variants = [
      `${slug}.${tld}`,
      `${slug}${suffix.toLowerCase()}.${tld}`,
      `get${slug}.${tld}`,
      `${slug}hq.${tld}`,
      `${slug}-${suffix.toLowerCase() || 'app'}.${tld}`,
    ];
    const pick = attempt < 8 ? variants[attempt % variants.length]! : `${slug}${attempt}.${tld}`;
    if (!used.has(pick)) {
      used.add(pick);
      return { name, domain: pick };
    }
  }
}

const PLAN_WEIGHTS: readonly (readonly [Plan, number])[] = [
  ['free', 45],
  ['starter', 30],
  ['pro', 20],
  ['enterprise', 5],
];

function seatsFor(rng: Rng, plan: Plan): number {
  const [min, max] = PLAN_SPECS[plan].seats;
  // Skewed towards the low end: most accounts buy few seats.
  return min + Math.floor((max - min + 1) * rng.next() ** 2);
}

function employeesFor(rng: Rng, plan: Plan): number {
  const [lo, hi] = { free: [2, 60], starter: [5, 250], pro: [20, 1500], enterprise: [200, 12000] }[plan] as [
    number,
    number,
  ];
  return Math.round(lo * (hi / lo) ** rng.next());
}

/** Chance a typical member is active on a weekday, by plan (scaled per account). */
const ACTIVITY_BY_PLAN: Record<Plan, number> = { free: 0.22, starter: 0.38, pro: 0.46, enterprise: 0.5 };

/** Churn leads run 4–7 weeks: usage fades first, the cancellation follows. */
const CHURN_LEAD_DAYS = [28, 49] as const;

/** The fewest paid seats that put an account at its plan's seat cap (85 % of `metadata.seat_limit`). */
const cappedSeats = (plan: PaidPlan) => Math.ceil(PLAN_SPECS[plan].seats[1] * 0.85);

function pickSome<T>(rng: Rng, items: readonly T[], min: number, max: number): T[] {
  const pool = [...items];
  const n = rng.int(min, Math.min(max, pool.length));
  const out: T[] = [];
  for (let k = 0; k < n; k++) out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]!);
  return out;
}

function leadingFor(rng: Rng, kind: Story['kind'], from: Plan): Set<LeadingBehaviour> {
  if (kind === 'upgrade') {
    const extra = pickSome(
      rng,
      ['nearing_paywall', 'usage_spike', 'director_signup', 'invites_sent', 'high_nps'] as const,
      1,
      3,
    );
    if (from === 'free' && !extra.includes('nearing_paywall') && rng.chance(0.5))
      extra.push('nearing_paywall');
    return new Set<LeadingBehaviour>(['upgrade_page_visit', ...extra]);
  }
  if (kind === 'seat_expansion') {
    const extra = pickSome(rng, ['usage_spike', 'high_nps', 'upgrade_page_visit'] as const, 0, 1);
    return new Set<LeadingBehaviour>(['invites_sent', 'approaching_seat_limit', ...extra]);
  }
  const decline = rng.chance(0.5) ? 'usage_drop' : 'usage_wow_decline';
  const extra = pickSome(
    rng,
    ['inactivity', 'low_nps', 'future_cancellation', 'arr_decrease'] as const,
    1,
    2,
  );
  return new Set<LeadingBehaviour>([decline, ...extra]);
}

/** A time of day during working hours, so events and changes look human. */
const workHour = (rng: Rng) => rng.int(8, 18) * HOUR + rng.int(0, 59) * 60;

function buildCompany(
  worldSeed: number,
  index: number,
  name: string,
  domain: string,
  tl: Timeline,
): CompanyModel {
  const rng = new Rng(hashInts(worldSeed, 0x434f, index));
  const now = tl.nowUnix;
  const H = tl.historyDays;

  let plan: Plan = rng.weighted(PLAN_WEIGHTS);
  let trialingNow = false;
  if (plan === 'free' && rng.chance(0.07)) {
    plan = rng.chance(0.75) ? 'pro' : 'starter';
    trialingNow = true;
  }
  let seats = plan === 'free' ? FREE_SEAT_LIMIT : seatsFor(rng, plan);

  // Sign-up: a third inside the history window, the rest older; paid accounts are at least 3 weeks old.
  let ageDays = rng.chance(0.35) ? rng.int(1, H - 1) : rng.int(H, 1100);
  if (plan !== 'free' && !trialingNow && ageDays < 21) ageDays = rng.int(21, H);
  if (trialingNow) ageDays = Math.max(ageDays, 14);
  const createdUnix = Math.floor(now / DAY) * DAY - ageDays * DAY + workHour(rng);

  const employees = employeesFor(rng, plan === 'free' && rng.chance(0.2) ? 'starter' : plan);
  const [country, city] = rng.weighted(LOCATIONS.map(([c, t, w]) => [[c, t] as const, w] as const));
  const engagement = 0.6 + rng.next() * 0.8;
  let dormantFrom =
    plan === 'free' && !trialingNow && rng.chance(0.45) ? createdUnix + rng.int(5, 60) * DAY : null;

  // ---- planted future (after now)
  let future: Story | null = null;
  const trialEnd = trialingNow ? now - rng.int(1, 12) * DAY - workHour(rng) + 14 * DAY : null;
  if (trialingNow && rng.chance(0.6)) {
    const leading = new Set<LeadingBehaviour>([
      'trial_ending',
      ...pickSome(rng, ['upgrade_page_visit', 'usage_spike', 'invites_sent'] as const, 1, 2),
    ]);
    future = {
      kind: 'upgrade',
      at: trialEnd!,
      leadFrom: trialEnd! - 14 * DAY,
      leading,
      from: { plan: 'free', seats: FREE_SEAT_LIMIT },
      to: { plan, seats },
    };
  } else if (!trialingNow && ageDays >= 21) {
    const r = rng.next();
    let kind: Story['kind'] | null = null;
    if (plan === 'free') {
      if (r < 0.06 && dormantFrom === null) kind = 'upgrade';
    } else if (r < 0.045 && plan !== 'enterprise') kind = 'upgrade';
    else if (r < 0.085) kind = 'seat_expansion';
    else if (r < 0.125) kind = 'churn';
    if (kind) {
      const at = Math.floor(now / DAY) * DAY + rng.int(1, 29) * DAY + workHour(rng);
      const announced = rng.chance(0.85);
      const from = { plan, seats };
      const to = outcomeTarget(rng, kind, from);
      // The lead starts 2–4 weeks before the outcome (4–7 for churn: usage fades, then the
      // subscription is cancelled) and at least a week before now, so it shows.
      const lead = kind === 'churn' ? rng.int(CHURN_LEAD_DAYS[0], CHURN_LEAD_DAYS[1]) : rng.int(14, 28);
      const leadFrom = Math.max(createdUnix + 3 * DAY, Math.min(at - lead * DAY, now - rng.int(7, 21) * DAY));
      future = { kind, at, leadFrom, leading: announced ? leadingFor(rng, kind, plan) : new Set(), from, to };
    }
  }

  // ---- outcome inside the history window (already visible in Stripe)
  let past: Story | null = null;
  const pastLatest = Math.min(now - 2 * DAY, future ? future.leadFrom - 20 * DAY : now - 2 * DAY);
  const pastEarliest = Math.max(createdUnix + 50 * DAY, tl.startUnix + 30 * DAY);
  if (!trialingNow && pastEarliest < pastLatest) {
    const r = rng.next();
    let kind: Story['kind'] | null = null;
    if (plan !== 'free') {
      if (r < 0.09) kind = 'upgrade';
      else if (r < 0.16) kind = 'seat_expansion';
    } else if (r < 0.27) kind = 'churn';
    // An account at its plan's seat cap grows out of the plan: most such accounts upgrade.
    const grewOut =
      kind === null &&
      (plan === 'starter' || plan === 'pro') &&
      seats >= cappedSeats(plan) &&
      future?.kind !== 'upgrade' &&
      rng.chance(0.6);
    if (grewOut) kind = 'upgrade';
    if (kind) {
      // A young account that never finished onboarding churns within its first months.
      const youngChurn =
        kind === 'churn' &&
        createdUnix >= tl.startUnix - 10 * DAY &&
        createdUnix + 80 * DAY > pastEarliest &&
        rng.chance(0.6);
      const latest = youngChurn ? Math.min(pastLatest, createdUnix + 80 * DAY) : pastLatest;
      const at =
        Math.floor((pastEarliest + rng.next() * (latest - pastEarliest)) / DAY) * DAY + workHour(rng);
      const announced = rng.chance(0.78);
      let from: Story['from'];
      let to: Story['to'];
      const extra: LeadingBehaviour[] = [];
      if (kind === 'churn') {
        const was: PaidPlan = rng.chance(0.6) ? 'starter' : 'pro';
        from = { plan: was, seats: seatsFor(rng, was) };
        to = { plan: 'free', seats: FREE_SEAT_LIMIT };
        if (youngChurn) extra.push('incomplete_onboarding');
      } else if (grewOut) {
        // Capped on the plan it had; now on the next one with the same seats.
        from = { plan, seats };
        plan = plan === 'starter' ? 'pro' : 'enterprise';
        seats = Math.max(PLAN_SPECS[plan].seats[0], seats);
        to = { plan, seats };
        extra.push('approaching_seat_limit');
      } else if (kind === 'upgrade') {
        const lower = (['free', 'starter', 'pro'] as const).filter((p) => planRank(p) < planRank(plan));
        const was = lower[lower.length - 1 - Math.floor(rng.next() ** 2 * lower.length)]!;
        let wasSeats = was === 'free' ? FREE_SEAT_LIMIT : Math.min(seats, seatsFor(rng, was));
        // Most paid accounts that move up a plan had filled the seats the lower plan allows.
        if (was !== 'free' && rng.chance(0.7)) {
          wasSeats = rng.int(cappedSeats(was), PLAN_SPECS[was].seats[1]);
          seats = Math.max(seats, wasSeats);
          extra.push('approaching_seat_limit');
        }
        from = { plan: was, seats: wasSeats };
        to = { plan, seats };
      } else {
        if (seats < 4) seats = 4 + rng.int(0, 6);
        from = { plan, seats: Math.max(2, Math.round(seats * (0.55 + rng.next() * 0.25))) };
        to = { plan, seats };
      }
      const lead = kind === 'churn' ? rng.int(CHURN_LEAD_DAYS[0], CHURN_LEAD_DAYS[1]) : rng.int(12, 28);
      const leadFrom = Math.max(createdUnix + 3 * DAY, at - lead * DAY);
      const leading = announced ? leadingFor(rng, kind, from.plan) : new Set<LeadingBehaviour>();
      for (const behaviour of extra) leading.add(behaviour);
      past = { kind, at, leadFrom, leading, from, to };
    }
  }
  // A free account that churned in the history used the product as the paying team it was until
  // then: the churn, not an early dormancy, is what quietens it.
  const usedAs = past?.kind === 'churn' ? past.from.plan : plan;
  if (past?.kind === 'churn') dormantFrom = null;
  const activity = ACTIVITY_BY_PLAN[usedAs] * engagement;

  // The past story may have changed the seat count: a future starts from the state at "now".
  if (future && !trialingNow) {
    future.from = { plan, seats };
    future.to = outcomeTarget(rng, future.kind, future.from, future.to);
  }

  // ---- decoys: leading-looking behaviour with no outcome behind it
  let decoy: Decoy | null = null;
  if (!future && rng.chance(0.14)) {
    const behaviour = rng.pick([
      'upgrade_page_visit',
      'nearing_paywall',
      'usage_drop',
      'low_nps',
      'invites_sent',
      'director_signup',
      'usage_spike',
      'high_nps',
    ] as const);
    const firstDay = Math.max(0, tl.dayIndexOf(createdUnix) + 3);
    if (firstDay < H - 1) decoy = { behaviour, day: rng.int(firstDay, H - 1) };
  }

  // ---- billing decisions
  const interval: 'month' | 'year' = rng.chance(plan === 'enterprise' ? 0.6 : 0.28) ? 'year' : 'month';
  let subscriptionStart: number | null = null;
  let initialPlan: PaidPlan | null = null;
  let initialSeats = seats;
  let trial = false;
  let trialExpired = false;
  let oldChurnAt: number | null = null;
  let seatsRemoved: CompanyModel['billing']['seatsRemoved'] = null;
  let customerDeletedAt: number | null = null;

  if (trialingNow) {
    subscriptionStart = trialEnd! - 14 * DAY;
    initialPlan = plan as PaidPlan;
    trial = true;
  } else if (plan !== 'free') {
    if (past?.kind === 'upgrade' && past.from.plan === 'free') {
      subscriptionStart = past.at;
      initialPlan = plan as PaidPlan;
    } else {
      const latestStart = past ? past.leadFrom - 14 * DAY : now - 3 * DAY;
      const span = Math.max(0, Math.floor((latestStart - createdUnix) / DAY));
      subscriptionStart = Math.min(createdUnix + rng.int(0, Math.min(40, span)) * DAY, latestStart);
      initialPlan = (past ? past.from.plan : plan) as PaidPlan;
      initialSeats = past ? past.from.seats : seats;
      trial = rng.chance(0.25) && subscriptionStart + 14 * DAY < (past ? past.leadFrom : now - DAY);
    }
  } else if (past?.kind === 'churn') {
    const span = Math.max(0, Math.floor((past.at - createdUnix) / DAY) - 45);
    subscriptionStart = createdUnix + rng.int(0, Math.min(30, span)) * DAY;
    initialPlan = past.from.plan as PaidPlan;
    initialSeats = past.from.seats;
    if (rng.chance(0.15)) customerDeletedAt = Math.min(now - HOUR, past.at + rng.int(1, 20) * DAY);
  } else if (ageDays > H + 90 && rng.chance(0.12)) {
    subscriptionStart = createdUnix + rng.int(0, 30) * DAY;
    initialPlan = rng.chance(0.7) ? 'starter' : 'pro';
    initialSeats = seatsFor(rng, initialPlan);
    oldChurnAt = subscriptionStart + rng.int(60, Math.max(61, ageDays - H - 40)) * DAY;
    if (rng.chance(0.2)) customerDeletedAt = oldChurnAt + rng.int(1, 20) * DAY;
  } else if (ageDays >= 20 && dormantFrom === null && rng.chance(0.06)) {
    subscriptionStart = now - rng.int(15, Math.min(120, ageDays)) * DAY + workHour(rng);
    initialPlan = 'pro';
    initialSeats = seatsFor(rng, 'pro');
    trial = true;
    trialExpired = true;
  }

  // Churn leading behaviour in Stripe: a seat reduction some weeks before.
  const churn = future?.kind === 'churn' ? future : past?.kind === 'churn' ? past : null;
  // (Not after an earlier story: its seat change and this one would have to be ordered.)
  if (churn?.leading.has('arr_decrease') && churn === future && past) churn.leading.delete('arr_decrease');
  // Seats come off at a monthly renewal (so that cycle's invoice bills fewer) two to eight weeks
  // before the churn; an annual plan renews too rarely for that, so its churns carry none.
  if (churn?.leading.has('arr_decrease') && subscriptionStart !== null) {
    const anchor = trial ? subscriptionStart + 14 * DAY : subscriptionStart;
    const latest = Math.min(churn.at - 14 * DAY, now - DAY);
    const at = interval === 'month' && latest >= anchor ? periodAt(anchor, 'month', latest).start : null;
    const count = Math.max(1, Math.round(churn.from.seats * 0.3));
    if (at !== null && at > subscriptionStart + 7 * DAY && at >= churn.at - 56 * DAY) {
      seatsRemoved = { at, count };
      if (churn === past) initialSeats = churn.from.seats + count;
      else initialSeats = seats + count;
    } else churn.leading.delete('arr_decrease');
  } else if (plan !== 'free' && !past && !trialingNow && subscriptionStart !== null && rng.chance(0.04)) {
    const earliest = Math.max(subscriptionStart + 30 * DAY, tl.startUnix);
    if (earliest < now - 2 * DAY) {
      const count = rng.int(1, 3);
      seatsRemoved = { at: earliest + Math.floor(rng.next() * (now - 2 * DAY - earliest)), count };
      initialSeats = seats + count;
    }
  }
  // A monthly subscription cancels at the end of its period: align the planted churn to it.
  if (future?.kind === 'churn' && future.leading.has('future_cancellation') && subscriptionStart !== null) {
    const anchor = trial ? subscriptionStart + 14 * DAY : subscriptionStart;
    if (interval === 'month') {
      const end = periodAt(anchor, 'month', now).end;
      if (end > now + HOUR && end <= now + 30 * DAY) future.at = end;
    }
    future.leadFrom = Math.min(future.leadFrom, now - 3 * DAY);
  }

  // Accounts that never finish onboarding mostly go quiet (or churn, above); few keep paying.
  const onboardedAt =
    churn?.leading.has('incomplete_onboarding') || rng.chance(dormantFrom !== null ? 0.4 : 0.05)
      ? null
      : createdUnix + rng.int(0, 4) * DAY + workHour(rng);
  const company: Company = {
    id: `co_${String(index).padStart(6, '0')}`,
    index,
    name,
    domain,
    industry: rng.pick(INDUSTRIES),
    employees,
    annualRevenue: Math.round((employees * (90_000 + rng.next() * 160_000)) / 1000) * 1000,
    country,
    city,
    foundedYear: Math.min(
      new Date(createdUnix * 1000).getUTCFullYear(),
      2024 - Math.min(40, Math.round(Math.log10(employees) * 6 + rng.int(0, 8))),
    ),
    plan,
    seatLimit: seats,
    createdAt: isoOf(createdUnix),
    trial: trialingNow
      ? { plan, startedAt: isoOf(subscriptionStart!), endsAt: isoOf(trialEnd!), status: 'active' }
      : trial && subscriptionStart !== null
        ? {
            plan: initialPlan!,
            startedAt: isoOf(subscriptionStart),
            endsAt: isoOf(subscriptionStart + 14 * DAY),
            status: trialExpired ? 'expired' : 'converted',
          }
        : null,
    stripeCustomerId: null,
  };
  const npsMean = churn?.leading.has('low_nps')
    ? 5.5
    : future?.leading.has('high_nps')
      ? 8.8
      : 7.4 + rng.next() * 1.4;
  return {
    company,
    seed: hashInts(worldSeed, 0x55, index),
    createdUnix,
    activity,
    intensity: 0.6 + rng.next(),
    dormantFrom,
    onboardedAt,
    limitPressure:
      plan === 'free' ? 0.01 + rng.next() * 0.03 : plan === 'enterprise' ? 0 : rng.next() * 0.012,
    npsMean,
    past,
    future,
    decoy,
    billing: {
      interval,
      subscriptionStart,
      initialSeats,
      initialPlan,
      trial,
      trialExpired,
      oldChurnAt,
      seatsRemoved,
      customerDeletedAt,
      personalBillingEmail: rng.chance(0.08),
      metadataDomain: rng.chance(0.85),
    },
    persons: [],
  };
}

function outcomeTarget(rng: Rng, kind: Story['kind'], from: Story['from'], keep?: Story['to']): Story['to'] {
  if (kind === 'churn') return { plan: 'free', seats: FREE_SEAT_LIMIT };
  if (kind === 'seat_expansion') {
    return {
      plan: from.plan,
      seats: from.seats + Math.max(1, Math.round(from.seats * (0.2 + rng.next() * 0.6))),
    };
  }
  const higher = (['starter', 'pro', 'enterprise'] as const).filter((p) => planRank(p) > planRank(from.plan));
  const plan = keep && planRank(keep.plan) > planRank(from.plan) ? keep.plan : higher[0]!;
  const [min] = PLAN_SPECS[plan].seats;
  return { plan, seats: Math.max(min, from.plan === 'free' ? rng.int(3, 8) : from.seats) };
}
