import type { NpsAnswer, PersonFact } from '../model/index.js';
import { toMs } from '../model/index.js';
import { departmentOf, type Seniority, seniorityOf } from '../signals/index.js';

/**
 * The people at an account, merged from every source that knows them: a product's users, a CRM's
 * contacts, a billing e-mail. One person per e-mail (lower-cased); a person without an e-mail stays
 * one person per source record. Where sources disagree (two titles) the value most sources give
 * wins (ties: the first source in registry order) and the others are kept as conflicts, each with
 * the source that said it, so a rep sees both.
 */

/** A person fact with the source that produced it. */
export interface SourcedPerson {
  integration: string;
  /** The integration's display name, for people reading the conflicts. */
  source: string;
  stream: string;
  fact: PersonFact;
}

/** A signal occurrence on the account, with the e-mails its evidence names. */
export interface SignalPart {
  occurrenceId: number;
  key: string;
  title: string;
  occurredAt: string;
  emails: readonly string[];
}

export type PersonField = 'name' | 'title' | 'department';

/** Two or more sources giving different values for one field. */
export interface PersonConflict {
  field: PersonField;
  values: { value: string; sources: string[] }[];
}

export interface ActivityItem {
  at: string;
  kind: 'joined' | 'seen' | 'nps' | 'signal';
  text: string;
}

export interface AccountPerson {
  /** The e-mail, or `<integration>:<id>` for a person known without one. */
  key: string;
  email: string | null;
  name: string | null;
  title: string | null;
  seniority: Seniority | null;
  department: string | null;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  sources: { integration: string; source: string; stream: string; id: string }[];
  conflicts: PersonConflict[];
  nps: { at: string; score: number }[];
  signals: { occurrenceId: number; key: string; title: string; occurredAt: string }[];
  /** The latest things the person did or took part in, newest first (at most five). */
  activity: ActivityItem[];
}

const clean = (v: string | null) => (v === null || v.trim() === '' ? null : v.trim());

/** The value most sources give (ties: first offered) and the disagreement, if any. */
function agree(field: PersonField, offers: { value: string | null; source: string }[]) {
  const byValue = new Map<string, { value: string; sources: string[] }>();
  for (const offer of offers) {
    const value = clean(offer.value);
    if (value === null) continue;
    const key = value.toLowerCase();
    const entry = byValue.get(key) ?? { value, sources: [] };
    if (!entry.sources.includes(offer.source)) entry.sources.push(offer.source);
    byValue.set(key, entry);
  }
  const values = [...byValue.values()];
  const winner = values.reduce<(typeof values)[number] | null>(
    (best, v) => (best === null || v.sources.length > best.sources.length ? v : best),
    null,
  );
  const conflict: PersonConflict | null = values.length > 1 ? { field, values } : null;
  return { value: winner?.value ?? null, conflict };
}

const earliest = (values: (string | null)[]) =>
  values.filter((v): v is string => v !== null).sort((a, b) => toMs(a) - toMs(b))[0] ?? null;
const latest = (values: (string | null)[]) =>
  values.filter((v): v is string => v !== null).sort((a, b) => toMs(b) - toMs(a))[0] ?? null;

/**
 * Merge sourced person facts into people, with their NPS answers and their part in signals.
 *
 * @example
 * mergePeople([{ integration: 'crm', source: 'CRM', stream: 'people', fact }], [], [])[0]?.conflicts
 */
export function mergePeople(
  facts: readonly SourcedPerson[],
  nps: readonly NpsAnswer[],
  signals: readonly SignalPart[],
): AccountPerson[] {
  const groups = new Map<string, SourcedPerson[]>();
  const emails = new Map<string, string>();
  for (const f of facts) {
    const email = clean(f.fact.email)?.toLowerCase() ?? null;
    const key = email ?? `${f.integration}:${f.fact.id}`;
    if (email) emails.set(key, email);
    const group = groups.get(key) ?? [];
    group.push(f);
    groups.set(key, group);
  }
  // Respondents Beton knows only from an answer are people too.
  for (const answer of nps) {
    const email = clean(answer.email)?.toLowerCase();
    if (email && !groups.has(email)) {
      groups.set(email, []);
      emails.set(email, email);
    }
  }
  const npsByEmail = new Map<string, { at: string; score: number }[]>();
  for (const a of nps) {
    const email = clean(a.email)?.toLowerCase();
    if (!email) continue;
    const list = npsByEmail.get(email) ?? [];
    list.push({ at: a.at, score: a.score });
    npsByEmail.set(email, list);
  }
  const people: AccountPerson[] = [];
  for (const [key, group] of groups) {
    const email = emails.get(key) ?? null;
    const offers = (pick: (p: PersonFact) => string | null) =>
      group.map((g) => ({ value: pick(g.fact), source: g.source }));
    const name = agree(
      'name',
      offers((p) => p.name),
    );
    const title = agree(
      'title',
      offers((p) => p.title),
    );
    const department = agree(
      'department',
      offers((p) => p.department),
    );
    const answers = (email ? (npsByEmail.get(email) ?? []) : []).sort((a, b) => toMs(a.at) - toMs(b.at));
    const parts = email
      ? signals
          .filter((s) => s.emails.some((e) => e.toLowerCase() === email))
          .map(({ occurrenceId, key: k, title: t, occurredAt }) => ({
            occurrenceId,
            key: k,
            title: t,
            occurredAt,
          }))
      : [];
    const firstSeenAt = earliest([...group.map((g) => g.fact.createdAt), ...answers.map((a) => a.at)]);
    const lastSeenAt = latest([...group.map((g) => g.fact.lastSeenAt), ...answers.map((a) => a.at)]);
    const activity: ActivityItem[] = [
      ...(firstSeenAt ? [{ at: firstSeenAt, kind: 'joined' as const, text: 'First seen' }] : []),
      ...(lastSeenAt && lastSeenAt !== firstSeenAt
        ? [{ at: lastSeenAt, kind: 'seen' as const, text: 'Last seen' }]
        : []),
      ...answers.map((a) => ({ at: a.at, kind: 'nps' as const, text: `Answered NPS ${a.score}` })),
      ...parts.map((s) => ({ at: s.occurredAt, kind: 'signal' as const, text: s.title })),
    ]
      .sort((a, b) => toMs(b.at) - toMs(a.at))
      .slice(0, 5);
    people.push({
      key,
      email,
      name: name.value,
      title: title.value,
      seniority: seniorityOf(title.value),
      department: department.value ?? departmentOf(null, title.value),
      firstSeenAt,
      lastSeenAt,
      sources: group.map((g) => ({
        integration: g.integration,
        source: g.source,
        stream: g.stream,
        id: g.fact.id,
      })),
      conflicts: [name.conflict, title.conflict, department.conflict].filter(
        (c): c is PersonConflict => c !== null,
      ),
      nps: answers,
      signals: parts,
      activity,
    });
  }
  return people;
}

export const PEOPLE_SORTS = [
  'name',
  'title',
  'seniority',
  'department',
  'firstSeenAt',
  'lastSeenAt',
  'signals',
] as const;
export type PeopleSort = (typeof PEOPLE_SORTS)[number];

const SENIORITY_RANK: Record<Seniority, number> = {
  c_level: 5,
  vp: 4,
  director: 3,
  manager: 2,
  individual: 1,
};

/**
 * People in the asked order; empty values sort last in either direction, ties by name then key.
 *
 * @example sortPeople(people, 'seniority', 'desc')[0]?.seniority // 'c_level'
 */
export function sortPeople(people: readonly AccountPerson[], sort: PeopleSort, order: 'asc' | 'desc') {
  const sortValue = (p: AccountPerson): string | number | null => {
    switch (sort) {
      case 'seniority':
        return p.seniority ? SENIORITY_RANK[p.seniority] : null;
      case 'signals':
        return p.signals.length;
      case 'firstSeenAt':
      case 'lastSeenAt':
        return p[sort] === null ? null : toMs(p[sort]!);
      default:
        return p[sort]?.toLowerCase() ?? null;
    }
  };
  const sign = order === 'asc' ? 1 : -1;
  const tie = (a: AccountPerson, b: AccountPerson) =>
    (a.name ?? a.email ?? a.key).localeCompare(b.name ?? b.email ?? b.key) || a.key.localeCompare(b.key);
  return [...people].sort((a, b) => {
    const va = sortValue(a);
    const vb = sortValue(b);
    if (va === null || vb === null) return va === vb ? tie(a, b) : va === null ? 1 : -1;
    if (va < vb) return -sign;
    if (va > vb) return sign;
    return tie(a, b);
  });
}
