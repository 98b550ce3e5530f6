import { DAY, HOUR, isoOf } from './calendar.js';
import type { CompanyModel, PersonModel, Timeline } from './model.js';
import { hashInts, Rng } from './random.js';
import type { Department, Person, Seniority } from './types.js';
import {
  C_LEVEL_TITLES,
  DEPARTMENT_AREA,
  DEPARTMENT_ROLES,
  FIRST_NAMES,
  FREE_MAIL_DOMAINS,
  LAST_NAMES,
} from './words.js';

const DEPARTMENTS: readonly (readonly [Department, number])[] = [
  ['engineering', 26],
  ['product', 14],
  ['data', 12],
  ['marketing', 10],
  ['sales', 9],
  ['customer_success', 9],
  ['design', 7],
  ['operations', 7],
  ['finance', 6],
];

const SENIORITY: readonly (readonly [Seniority, number])[] = [
  ['ic', 58],
  ['manager', 24],
  ['director', 10],
  ['vp', 5],
  ['c_level', 3],
];

/**
 * The people of each company, with creation times that tell the story: invites before a seat
 * expansion, a director signing up before an upgrade, and ordinary growth otherwise.
 */
export function buildPeople(worldSeed: number, models: CompanyModel[], tl: Timeline): void {
  for (const model of models) {
    const rng = new Rng(hashInts(worldSeed, 0x5045, model.company.index));
    const times = personTimes(rng, model, tl);
    const usedEmails = new Set<string>();
    model.persons = times.map(({ at, senior }, k) => makePerson(rng, model, k, at, senior, usedEmails));
  }
}

interface Arrival {
  at: number;
  /** Forced seniority: a planted director or VP. */
  senior: boolean;
}

function personTimes(rng: Rng, model: CompanyModel, tl: Timeline): Arrival[] {
  const now = tl.nowUnix;
  const created = model.createdUnix;
  const plan = model.company.plan;
  const seats = model.company.seatLimit;
  const arrivals: Arrival[] = [{ at: created, senior: false }];
  const spread = (from: number, to: number) => from + Math.floor(rng.next() * Math.max(HOUR, to - from));

  let target: number;
  if (plan === 'free')
    target =
      model.past?.kind === 'churn' ? Math.max(1, Math.round(model.past.from.seats * 0.6)) : rng.int(1, 3);
  else target = Math.max(1, Math.round(seats * (0.35 + rng.next() * 0.45)));
  target = Math.min(target, 150);

  const planted: Arrival[] = [];
  for (const story of [model.past, model.future]) {
    if (!story) continue;
    const until = Math.min(story.at, now) - DAY;
    if (until <= story.leadFrom) continue;
    if (story.leading.has('director_signup'))
      planted.push({ at: spread(story.leadFrom, until), senior: true });
    if (story.kind === 'seat_expansion' && story.leading.has('approaching_seat_limit')) {
      // Fill the seats before the expansion: active people reach 90–100 % of them.
      const need = Math.max(2, Math.ceil(story.from.seats * (0.9 + rng.next() * 0.1)) - 1);
      const invited = Math.min(need, Math.max(2, Math.round(need * 0.3)));
      target = Math.max(target, need - invited + 1);
      for (let k = 0; k < invited; k++) planted.push({ at: spread(story.leadFrom, until), senior: false });
      if (story === model.past) {
        for (let k = rng.int(0, 2); k > 0; k--)
          planted.push({ at: spread(story.at, now - HOUR), senior: false });
      }
    } else if (story.leading.has('invites_sent')) {
      for (let k = rng.int(2, 4); k > 0; k--)
        planted.push({ at: spread(story.leadFrom, until), senior: false });
    }
  }
  if (model.decoy?.behaviour === 'invites_sent' || model.decoy?.behaviour === 'director_signup') {
    const at = tl.dayStart(model.decoy.day) + rng.int(9, 17) * HOUR;
    const n = model.decoy.behaviour === 'invites_sent' ? 2 : 1;
    for (let k = 0; k < n; k++) planted.push({ at, senior: model.decoy.behaviour === 'director_signup' });
  }

  // Ordinary arrivals: most people join in the account's first months.
  const quietUntil = [model.past, model.future]
    .filter((s) => s !== null)
    .map((s) => s!.leadFrom)
    .reduce((a, b) => Math.min(a, b), now);
  for (let k = 1; k < target; k++) {
    const end = Math.min(quietUntil, model.dormantFrom ?? now, now - HOUR);
    const at = end <= created ? created + k * 60 : created + Math.floor((end - created) * rng.next() ** 2);
    arrivals.push({ at, senior: false });
  }
  arrivals.push(...planted.filter((p) => p.at > created && p.at < now));
  arrivals.sort((a, b) => a.at - b.at);
  return arrivals;
}

function makePerson(
  rng: Rng,
  model: CompanyModel,
  k: number,
  at: number,
  senior: boolean,
  usedEmails: Set<string>,
): PersonModel {
  const company = model.company;
  let seniority: Seniority;
  if (senior) seniority = rng.chance(0.6) ? 'director' : 'vp';
  else if (k === 0 && company.employees < 60 && rng.chance(0.45)) seniority = 'c_level';
  else seniority = rng.weighted(SENIORITY);
  const department: Department = seniority === 'c_level' ? 'executive' : rng.weighted(DEPARTMENTS);
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = rng.pick(LAST_NAMES);
  const local = `${ascii(firstName)}.${ascii(lastName)}`;
  const freeMail = rng.chance(0.06);
  let email = freeMail
    ? `${local}${rng.int(1, 99)}@${rng.pick(FREE_MAIL_DOMAINS)}`
    : `${local}@${company.domain}`;
  for (let n = 2; usedEmails.has(email); n++) email = email.replace('@', `${n}@`);
  usedEmails.add(email);
  const person: Person = {
    id: rng.uuid(),
    distinctId: rng.uuid(),
    companyId: company.id,
    email,
    freeMail,
    firstName,
    lastName,
    title: titleFor(rng, seniority, department),
    seniority,
    department,
    createdAt: isoOf(at),
    lastSeenAt: isoOf(at),
  };
  return {
    person,
    createdUnix: at,
    factor: 0.3 + rng.next() * 1.2,
    senior: seniority === 'director' || seniority === 'vp' || seniority === 'c_level',
  };
}

function titleFor(rng: Rng, seniority: Seniority, department: Department): string {
  const area = DEPARTMENT_AREA[department]!;
  switch (seniority) {
    case 'c_level':
      return rng.pick(C_LEVEL_TITLES);
    case 'vp':
      return rng.chance(0.5) ? `VP of ${area}` : `VP ${area}`;
    case 'director':
      return rng.chance(0.6) ? `Director of ${area}` : `${area} Director`;
    case 'manager':
      return rng.chance(0.5) ? `${area} Manager` : `Head of ${area}`;
    default:
      return rng.pick(DEPARTMENT_ROLES[department]!);
  }
}

/** Lower-case ASCII for an email local part ("Müller" → "muller", "O'Brien" → "obrien"). */
function ascii(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}
