/**
 * What PostHog's records mean to Beton: groups and persons claim companies (a group by its domain,
 * a person by `company_domain` or a work email), groups own the account key usage and survey
 * answers are filed under, persons are people, survey answers are NPS feedback, and `usage_daily`
 * carries usage days (declared as fields: the ingest aggregates them in SQL).
 */

import {
  type Claim,
  emailDomain,
  fromUnix,
  isFreeMailDomain,
  type NpsAnswer,
  normalizeDomain,
  normalizeEmail,
  type PersonFact,
  statedOrEmailClaim,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';
import type {
  PostHogGroup,
  PostHogGroupType,
  PostHogPerson,
  SurveyResponseRecord,
  UsageDailyRecord,
} from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const trimmed = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Group type names that mean "company". */
const COMPANY_TYPES = new Set([
  'company',
  'companies',
  'organization',
  'organisation',
  'account',
  'customer',
]);

/**
 * The group type indexes that mean "company", from the synced group types; null when none do (then
 * any group with a domain counts).
 *
 * @example companyGroupTypes([{ group_type: 'company', group_type_index: 0, name_singular: null, name_plural: null }]) // Set {0}
 */
export function companyGroupTypes(types: readonly unknown[]): ReadonlySet<number> | null {
  const indexes = new Set<number>();
  for (const raw of types) {
    const t = obj(raw) as Partial<PostHogGroupType>;
    const names = [t.group_type, t.name_singular].map((n) => (typeof n === 'string' ? n.toLowerCase() : ''));
    if (names.some((n) => COMPANY_TYPES.has(n)) && typeof t.group_type_index === 'number')
      indexes.add(t.group_type_index);
  }
  return indexes.size > 0 ? indexes : null;
}

/** A company group claims its domain (`domain` property, else a key that is a domain). */
export function groupClaim(group: PostHogGroup, companyTypes: ReadonlySet<number> | null): Claim {
  const p = obj(group);
  const index = typeof p.group_type_index === 'number' ? p.group_type_index : Number(p.group_type_index);
  if (companyTypes && !companyTypes.has(index))
    return { kind: 'none', reason: `group type ${index} is not a company` };
  const props = obj(p.group_properties);
  const domain = normalizeDomain(props.domain) ?? normalizeDomain(p.group_key);
  if (!domain || isFreeMailDomain(domain)) return { kind: 'none', reason: 'the group has no company domain' };
  return { kind: 'domain', domain, method: 'group' };
}

/** A person claims the stated `company_domain`, else the domain of a work email. */
export function personClaim(person: PostHogPerson): Claim {
  const props = obj(obj(person).properties);
  const email = normalizeEmail(props.email);
  const rule = 'the company_domain property wins over the email domain';
  const claim = statedOrEmailClaim(normalizeDomain(props.company_domain), email, 'company_domain', rule);
  if (claim) return claim;
  if (email) return { kind: 'none', reason: `personal email (${emailDomain(email)}) and no company_domain` };
  return { kind: 'none', reason: 'no email and no company_domain' };
}

/** A person as a people fact. */
export function personFact(person: PostHogPerson): PersonFact {
  const p = obj(person);
  const props = obj(p.properties);
  return {
    id: text(p.id) ?? text(p.uuid) ?? '',
    email: normalizeEmail(props.email),
    name: text(props.name),
    title: text(props.title) ?? text(props.job_title),
    department: text(props.department),
    createdAt: fromUnix(p.created_at),
    lastSeenAt: fromUnix(p.last_seen_at),
  };
}

/** A numeric survey answer as NPS; null when out of range or undated. */
export function npsAnswer(answer: SurveyResponseRecord): NpsAnswer | null {
  const r = obj(answer);
  const raw = typeof r.score === 'string' && r.score.trim() !== '' ? Number(r.score) : r.score;
  const score = typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
  const at = fromUnix(r.timestamp);
  if (score === null || at === null || score < 0 || score > 10) return null;
  return { at, score, email: normalizeEmail(r.person_email) };
}

export const groupsFacts: StreamFacts<PostHogGroup> = {
  identity: {
    claim: (group, companyTypes) => groupClaim(group, companyTypes as ReadonlySet<number> | null),
    context: { stream: 'group_types', build: companyGroupTypes },
    accountKey: (group) => text(obj(group).group_key),
  },
  name: { priority: 20, of: (group) => trimmed(obj(obj(group).group_properties).name) },
  firstSeen: (group) => fromUnix(obj(group).created_at),
};

export const personsFacts: StreamFacts<PostHogPerson> = {
  identity: {
    claim: personClaim,
    anchor: 'person',
    email: (person) => normalizeEmail(obj(obj(person).properties).email),
  },
  people: personFact,
  firstSeen: (person) => fromUnix(obj(person).created_at),
};

export const surveyResponsesFacts: StreamFacts<SurveyResponseRecord> = {
  identity: {
    claim: (answer) => {
      const r = obj(answer);
      return {
        kind: 'group_or_email',
        groupKey: trimmed(r.group_key),
        email: normalizeEmail(r.person_email),
      };
    },
    follows: true,
  },
  feedback: npsAnswer,
};

/** `usage_daily` records are `{ group_key, day, event, count, persons }`, ids `<group_key>|<day>|<event>`. */
export const usageDailyFacts: StreamFacts<UsageDailyRecord> = {
  usage: {
    key: 'group_key',
    day: 'day',
    event: 'event',
    count: 'count',
    persons: 'persons',
    externalIdKeySeparator: '|',
  },
};
