import { DAY, isoOf } from './calendar.js';
import type { CompanyModel, PersonModel, Story, Timeline } from './model.js';
import { hashInts, Rng } from './random.js';
import {
  type EventRun,
  type NpsAnswer,
  PAGE_PATHS,
  type PagePath,
  type UsageDay,
  type UsageEvent,
  type UsageSource,
} from './types.js';
import { FEATURES } from './words.js';

/**
 * Product usage, generated on demand for one company and one day from hashes of (company seed,
 * person, day): the same call always returns the same runs, and nothing is held in memory.
 */
export function createUsageSource(models: CompanyModel[], nps: NpsAnswer[][], tl: Timeline): UsageSource {
  const days = Array.from({ length: tl.historyDays }, (_, d) => isoOf(tl.dayStart(d)).slice(0, 10));
  const answerTimes = nps.map((answers) => answers.map((a) => Date.parse(a.timestamp)));
  const source: UsageSource = {
    days,
    runs: (companyIndex, dayIndex) =>
      companyDayRuns(models[companyIndex]!, nps[companyIndex]!, answerTimes[companyIndex]!, tl, dayIndex),
    daily: (companyIndex, dayIndex) => foldDaily(source.runs(companyIndex, dayIndex), days[dayIndex]!),
  };
  return source;
}

/** Name of a run in the `usage_daily` contract: pricing and upgrade pageviews are split out. */
export function usageEventName(event: string, path: string | null): string {
  if (event === '$pageview' && (path === '/pricing' || path === '/upgrade')) return `$pageview:${path}`;
  return event;
}

function foldDaily(runs: EventRun[], day: string): UsageDay[] {
  const rows = new Map<string, { count: number; persons: Set<string> }>();
  for (const run of runs) {
    const name = usageEventName(run.event, run.path);
    let row = rows.get(name);
    if (!row) {
      row = { count: 0, persons: new Set() };
      rows.set(name, row);
    }
    row.count += run.count;
    row.persons.add(run.personId);
  }
  const groupKey = runs[0]?.groupKey ?? '';
  return [...rows.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([event, row]) => ({ groupKey, day, event, count: row.count, persons: row.persons.size }));
}

const NO_PROPERTIES: Record<string, string | number> = Object.freeze({});
const LIMIT_PROPERTIES: Record<string, string | number> = Object.freeze({ limit: 'reports' });
const FEATURE_PROPERTIES: Record<string, string | number>[] = FEATURES.map((feature) =>
  Object.freeze({ feature }),
);
const PATH_PROPERTIES: Record<string, Record<string, string>> = Object.fromEntries(
  PAGE_PATHS.map((path) => [path, Object.freeze({ $pathname: path as string })]),
);

const within = (t: number, from: number, to: number) => t >= from && t < to;

/** How much busier (or quieter) the account is on a day than usual, and how intense its sessions are. */
export function dayFactor(
  model: CompanyModel,
  tl: Timeline,
  d: number,
): { activity: number; intensity: number } {
  const t = tl.dayStart(d) + DAY / 2;
  let activity = 1;
  let intensity = 1;
  // 1970-01-01 was a Thursday (4): 0 is Sunday, 6 Saturday.
  const weekday = (Math.floor(t / DAY) + 4) % 7;
  if (weekday === 0 || weekday === 6) activity *= 0.25;
  if (model.dormantFrom !== null && t >= model.dormantFrom) activity *= 0.04;
  for (const story of [model.past, model.future] as (Story | null)[]) {
    if (!story) continue;
    const lead = story.leading;
    if (story.kind === 'churn') {
      if (t >= story.at) activity *= 0.03;
      else if (within(t, story.leadFrom, story.at)) {
        const progress = (t - story.leadFrom) / (story.at - story.leadFrom);
        // A drop: most of the team stops at once, the rest fade out towards the cancellation.
        if (lead.has('usage_drop')) activity *= 0.35 * (1 - 0.6 * progress);
        // A decline: each week quieter than the one before.
        if (lead.has('usage_wow_decline'))
          activity *= 0.72 ** Math.floor((t - story.leadFrom) / (7 * DAY) + 1);
        // Silence: nobody logs in for the last three weeks.
        if (lead.has('inactivity') && t >= story.at - 21 * DAY) activity *= 0;
      }
    } else if (story.kind === 'upgrade') {
      if (lead.has('usage_spike') && within(t, story.at - 16 * DAY, story.at - 2 * DAY)) {
        activity *= 2;
        intensity *= 1.6;
      }
      if (t >= story.at) activity *= 1.15;
    } else {
      if (lead.has('approaching_seat_limit') && within(t, story.leadFrom, story.at)) activity *= 1.5;
      if (lead.has('usage_spike') && within(t, story.at - 14 * DAY, story.at - 2 * DAY)) {
        activity *= 1.8;
        intensity *= 1.4;
      }
      if (t >= story.at) activity *= 1.1;
    }
  }
  const decoy = model.decoy;
  if (decoy?.behaviour === 'usage_drop' && d >= decoy.day && d < decoy.day + 10) activity *= 0.35;
  if (decoy?.behaviour === 'usage_spike' && d >= decoy.day && d < decoy.day + 7) {
    activity *= 2;
    intensity *= 1.5;
  }
  return { activity, intensity };
}

/** Whether a person does anything on a day: a pure function of the hash, so `lastSeenAt` can ask it too. */
export function personActive(
  model: CompanyModel,
  tl: Timeline,
  personIndex: number,
  d: number,
  factor = dayFactor(model, tl, d),
): boolean {
  const p = model.persons[personIndex]!;
  if (p.createdUnix >= tl.dayStart(d) + DAY) return false;
  const chance = Math.min(0.97, model.activity * factor.activity * p.factor);
  return hashInts(model.seed, personIndex, d) / 4294967296 < chance;
}

/** Days on which planted buying intent (pricing visits, limit warnings) shows for a story. */
function plantedDay(story: Story, tl: Timeline, d: number, salt: number, seed: number): boolean {
  const first = tl.dayIndexOf(story.leadFrom);
  const last = Math.min(tl.dayIndexOf(story.at), tl.historyDays) - 1;
  if (d < first || d > last) return false;
  if (d === first || d === last) return true;
  return hashInts(seed, salt, d) / 4294967296 < 0.3;
}

/** Builds one company-day of runs; a class so the hot path allocates no closures. */
class DayBuilder {
  readonly runs: EventRun[] = [];
  private seq = 0;
  readonly rng = new Rng(0);

  constructor(
    readonly model: CompanyModel,
    readonly d: number,
    readonly dayStart: number,
  ) {}

  emit(
    p: PersonModel,
    event: UsageEvent,
    path: PagePath | null,
    count: number,
    rng: Rng,
    properties: Record<string, string | number> = NO_PROPERTIES,
    at?: number,
  ): void {
    if (count <= 0) return;
    const time =
      Math.max(at ?? this.dayStart + rng.int(7 * 3600, 20 * 3600), p.createdUnix + 60, this.dayStart) * 1000;
    const props = path ? PATH_PROPERTIES[path]! : properties;
    this.runs.push(
      new GeneratedRun(
        event,
        path,
        p,
        this.model,
        this.model.company.domain,
        time,
        count,
        props,
        this.d,
        this.seq++,
      ),
    );
  }

  /** Someone to plant an event on: an active (preferably senior) person, else anyone who exists. */
  someone(active: PersonModel[], preferSenior: boolean): PersonModel | undefined {
    let pool = active;
    if (pool.length === 0) {
      pool = [];
      for (const p of this.model.persons) if (p.createdUnix < this.dayStart + DAY) pool.push(p);
    }
    if (preferSenior) {
      const senior = pool.filter((p) => p.senior);
      if (senior.length > 0) return this.rng.pick(senior);
    }
    return pool.length > 0 ? this.rng.pick(pool) : undefined;
  }
}

function companyDayRuns(
  model: CompanyModel,
  answers: NpsAnswer[],
  answerTimes: number[],
  tl: Timeline,
  d: number,
): EventRun[] {
  const dayStart = tl.dayStart(d);
  if (dayStart + DAY <= model.createdUnix || d < 0 || d >= tl.historyDays) return [];
  const factor = dayFactor(model, tl, d);
  const b = new DayBuilder(model, d, dayStart);
  const persons = model.persons;
  const active: PersonModel[] = [];
  const rng = new Rng(0);
  const intensity = model.intensity * factor.intensity;
  for (let k = 0; k < persons.length; k++) {
    if (!personActive(model, tl, k, d, factor)) continue;
    const p = persons[k]!;
    active.push(p);
    rng.reseed(hashInts(model.seed, k, d, 7));
    b.emit(p, '$pageview', '/dashboard', rng.poisson(2.5 * intensity) + 1, rng);
    b.emit(p, '$pageview', '/reports', rng.poisson(1.2 * intensity), rng);
    if (rng.chance(0.12)) b.emit(p, '$pageview', '/settings', 1, rng);
    if (rng.chance(0.15)) b.emit(p, '$pageview', '/team', rng.int(1, 2), rng);
    if (rng.chance(0.004)) b.emit(p, '$pageview', '/pricing', 1, rng);
    if (rng.chance(0.0015)) b.emit(p, '$pageview', '/upgrade', 1, rng);
    b.emit(
      p,
      'feature_used',
      null,
      rng.poisson(3 * intensity),
      rng,
      FEATURE_PROPERTIES[rng.int(0, FEATURES.length - 1)]!,
    );
    b.emit(p, 'report_created', null, rng.poisson(0.4 * intensity), rng);
  }

  const dayRng = b.rng.reseed(hashInts(model.seed, 0xc0, d));
  // Planted intent before upgrades (and the odd seat expansion).
  for (const story of [model.past, model.future]) {
    if (!story) continue;
    if (story.leading.has('upgrade_page_visit') && plantedDay(story, tl, d, 1, model.seed)) {
      const p = b.someone(active, true);
      if (p) {
        b.emit(p, '$pageview', '/pricing', dayRng.int(1, 3), dayRng);
        if (dayRng.chance(0.5)) b.emit(p, '$pageview', '/upgrade', 1, dayRng);
      }
    }
    if (story.leading.has('nearing_paywall') && plantedDay(story, tl, d, 2, model.seed)) {
      const p = b.someone(active, false);
      if (p) b.emit(p, 'usage_limit_warning', null, 1, dayRng, LIMIT_PROPERTIES);
    }
  }
  const decoy = model.decoy;
  if (decoy && decoy.day === d) {
    const p = b.someone(active, decoy.behaviour === 'upgrade_page_visit');
    if (p && decoy.behaviour === 'upgrade_page_visit') b.emit(p, '$pageview', '/pricing', 1, dayRng);
    if (p && decoy.behaviour === 'nearing_paywall')
      b.emit(p, 'usage_limit_warning', null, 1, dayRng, LIMIT_PROPERTIES);
  }
  if (active.length > 0 && dayRng.chance(model.limitPressure)) {
    b.emit(dayRng.pick(active), 'usage_limit_warning', null, 1, dayRng, LIMIT_PROPERTIES);
  }

  // Invitations: whoever joined today was invited by the account's first person.
  let joined = 0;
  let firstJoin = 0;
  for (let k = 1; k < persons.length; k++) {
    const t = persons[k]!.createdUnix;
    if (t >= dayStart && t < dayStart + DAY) {
      if (joined === 0) firstJoin = t;
      joined++;
    }
  }
  if (joined > 0) b.emit(persons[0]!, 'user_invited', null, joined, dayRng, NO_PROPERTIES, firstJoin - 120);
  if (model.onboardedAt !== null && model.onboardedAt >= dayStart && model.onboardedAt < dayStart + DAY) {
    b.emit(persons[0]!, 'onboarding_completed', null, 1, dayRng, NO_PROPERTIES, model.onboardedAt);
  }

  // NPS answers are `survey sent` events.
  const fromMs = dayStart * 1000;
  const toMs = fromMs + DAY * 1000;
  for (let k = 0; k < answers.length; k++) {
    const time = answerTimes[k]!;
    if (time < fromMs || time >= toMs) continue;
    const answer = answers[k]!;
    const p = persons.find((x) => x.person.id === answer.personId)!;
    const props = { $survey_id: answer.surveyId, $survey_response: answer.score };
    b.runs.push(
      new GeneratedRun(
        'survey sent',
        null,
        p,
        model,
        model.company.domain,
        time,
        1,
        props,
        d,
        10_000 + k,
        answer.uuid,
      ),
    );
  }
  return b.runs;
}

/**
 * An event run whose uuid and ISO timestamp are computed when read: most consumers aggregate and
 * never ask, and building millions of strings would dominate the cost of usage generation.
 */
class GeneratedRun implements EventRun {
  readonly personId: string;
  readonly distinctId: string;
  readonly companyId: string;
  private readonly seed: number;

  constructor(
    readonly event: UsageEvent,
    readonly path: PagePath | null,
    person: PersonModel,
    model: CompanyModel,
    readonly groupKey: string,
    readonly time: number,
    readonly count: number,
    readonly properties: Record<string, string | number>,
    private readonly day: number,
    private readonly n: number,
    private readonly fixedUuid?: string,
  ) {
    this.personId = person.person.id;
    this.distinctId = person.person.distinctId;
    this.companyId = model.company.id;
    this.seed = model.seed;
  }

  get uuid(): string {
    return this.fixedUuid ?? uuidFrom(this.seed, this.day, this.n);
  }

  get timestamp(): string {
    return new Date(this.time).toISOString();
  }

  toJSON(): EventRun {
    const {
      uuid,
      event,
      path,
      personId,
      distinctId,
      companyId,
      groupKey,
      timestamp,
      time,
      count,
      properties,
    } = this;
    return {
      uuid,
      event,
      path,
      personId,
      distinctId,
      companyId,
      groupKey,
      timestamp,
      time,
      count,
      properties,
    };
  }
}

function uuidFrom(seed: number, d: number, n: number): string {
  const hex = (k: number) => hashInts(seed, d, n, k).toString(16).padStart(8, '0');
  const a = hex(1);
  const b = hex(2);
  const c = hex(3);
  const e = hex(4);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${'89ab'[parseInt(c[0]!, 16) & 3]}${c.slice(1, 4)}-${c.slice(4)}${e}`;
}
