import { z } from 'zod';
import { ACTIVITY, type AccountFacts, DAY_MS, type PersonFact, toMs } from '../../accounts/index.js';
import { defineDetector, ramp } from '../detector.js';
import { departmentOf, SENIORITIES, type Seniority, seniorityOf } from '../titles.js';

/** Detectors over the people of an account (people facts; titles from the product or enrichment). */

const seniorityParam = z.array(z.enum(SENIORITIES)).min(1).default(['c_level', 'vp', 'director']);
const SENIORITY_STRENGTH: Record<Seniority, number> = {
  c_level: 1,
  vp: 0.85,
  director: 0.7,
  manager: 0.55,
  individual: 0.5,
};

/** E-mails of the people a signal names, so the account's people can show their part in it. */
const emailsOf = (people: readonly PersonFact[]) => people.map((p) => p.email).filter((e) => e !== null);
const who = (p: PersonFact) => `${p.name ?? p.email ?? p.id}${p.title ? ` (${p.title})` : ''}`;
const createdWithin = (asOfMs: number, p: PersonFact, days: number) =>
  p.createdAt !== null && asOfMs - toMs(p.createdAt) < days * DAY_MS;
const isPaying = (facts: AccountFacts) => facts.arr > 0 || facts.subscription?.status === 'trialing';
const FREE_PLAN = /free|hobby|starter[-_ ]?free/i;

export const directorSignup = defineDetector({
  key: 'director_signup',
  title: 'Senior signup',
  description:
    'Someone with a director-or-above title (by default) joined the account in the last `windowDays` days.',
  direction: 'expansion',
  inputs: ['persons'],
  params: z.object({ windowDays: z.number().int().min(1).max(180).default(14), seniorities: seniorityParam }),
  weight: 0.6,
  dedupeDays: 14,
  replayable: true,
  detect(facts, p) {
    const asOfMs = toMs(facts.asOf);
    const senior = facts.persons
      .filter((person) => createdWithin(asOfMs, person, p.windowDays))
      .map((person) => ({ person, seniority: seniorityOf(person.title) }))
      .filter(
        (x): x is { person: PersonFact; seniority: Seniority } =>
          x.seniority !== null && p.seniorities.includes(x.seniority),
      );
    if (senior.length === 0) return null;
    const latest = senior.reduce((a, b) => (toMs(b.person.createdAt!) > toMs(a.person.createdAt!) ? b : a));
    const strength = Math.min(
      1,
      Math.max(...senior.map((x) => SENIORITY_STRENGTH[x.seniority])) + 0.1 * (senior.length - 1),
    );
    return {
      strength: Math.round(strength * 1000) / 1000,
      occurredAt: latest.person.createdAt!,
      evidence: {
        people: senior.map((x) => who(x.person)),
        emails: emailsOf(senior.map((x) => x.person)),
        seniorities: senior.map((x) => x.seniority),
        windowDays: p.windowDays,
      },
      explanation: `${senior.length === 1 ? 'A senior person' : `${senior.length} senior people`} joined in the last ${p.windowDays} days: ${senior.map((x) => who(x.person)).join(', ')}.`,
    };
  },
});

export const freeDecisionMaker = defineDetector({
  key: 'free_decision_maker',
  title: 'Decision maker on a free plan',
  description:
    'An account with no paid or trialing subscription (or on a plan named like "free") has a decision maker among its users and was active in the last `activeDays` days.',
  direction: 'expansion',
  inputs: ['persons', 'subscription', 'usage'],
  params: z.object({ seniorities: seniorityParam, activeDays: z.number().int().min(1).max(90).default(14) }),
  weight: 0.7,
  dedupeDays: 30,
  replayable: true,
  usageWindows: (p) => [p.activeDays],
  detect(facts, p) {
    const plan = facts.subscription?.plan ?? null;
    const free = !isPaying(facts) || (plan !== null && FREE_PLAN.test(plan));
    if (!free) return null;
    const activity = facts.usage.sum(ACTIVITY, p.activeDays);
    if (activity === 0) return null;
    const deciders = facts.persons.filter((person) => {
      const s = seniorityOf(person.title);
      return s !== null && p.seniorities.includes(s);
    });
    if (deciders.length === 0) return null;
    const best = Math.max(...deciders.map((d) => SENIORITY_STRENGTH[seniorityOf(d.title)!]));
    return {
      strength: best,
      occurredAt: facts.asOf,
      evidence: {
        plan: plan ?? 'none',
        decisionMakers: deciders.map(who),
        emails: emailsOf(deciders),
        activity,
        activeDays: p.activeDays,
      },
      explanation: `On ${plan ? `the ${plan} plan` : 'no paid plan'} with ${deciders.length} decision maker${deciders.length > 1 ? 's' : ''} (${deciders.slice(0, 3).map(who).join(', ')}) and ${activity} events in the last ${p.activeDays} days.`,
    };
  },
});

export const newDepartmentUser = defineDetector({
  key: 'new_department_user',
  title: 'New department',
  description:
    'Someone from a department the account had no users in joined in the last `windowDays` days (department from the person, else inferred from the title).',
  direction: 'expansion',
  inputs: ['persons'],
  params: z.object({
    windowDays: z.number().int().min(1).max(180).default(14),
    minPriorUsers: z.number().int().min(1).default(1),
  }),
  weight: 0.5,
  dedupeDays: 14,
  replayable: true,
  detect(facts, p) {
    const asOfMs = toMs(facts.asOf);
    if (!facts.persons.some((person) => createdWithin(asOfMs, person, p.windowDays))) return null;
    const prior = facts.persons.filter((person) => !createdWithin(asOfMs, person, p.windowDays));
    if (prior.length < p.minPriorUsers) return null;
    const known = new Set(
      prior.map((person) => departmentOf(person.department, person.title)).filter((d) => d !== null),
    );
    const newcomers = new Map<string, PersonFact>();
    const recent = facts.persons
      .filter((person) => createdWithin(asOfMs, person, p.windowDays))
      .sort((a, b) => toMs(a.createdAt!) - toMs(b.createdAt!));
    for (const person of recent) {
      const dept = departmentOf(person.department, person.title);
      if (dept && !known.has(dept) && !newcomers.has(dept)) newcomers.set(dept, person);
    }
    if (newcomers.size === 0) return null;
    const entries = [...newcomers];
    const latest = entries[entries.length - 1]![1];
    return {
      strength: ramp(newcomers.size, 1, 3),
      occurredAt: latest.createdAt!,
      evidence: {
        departments: entries.map(([d]) => d),
        people: entries.map(([, x]) => who(x)),
        emails: emailsOf(entries.map(([, x]) => x)),
        knownDepartments: [...known].sort(),
      },
      explanation: `New department${newcomers.size > 1 ? 's' : ''} in the last ${p.windowDays} days: ${entries.map(([d, x]) => `${d} (${who(x)})`).join(', ')}; before: ${known.size > 0 ? [...known].sort().join(', ') : 'none known'}.`,
    };
  },
});
