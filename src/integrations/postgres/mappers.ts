/**
 * What the SQL source's rows mean, and the query contract they are checked against. Usage days are
 * declared as fields (the usage ingest aggregates them in SQL, as for every usage source); an account
 * claims its domain (else an account key that is a domain) and owns the key its usage is filed under;
 * a person belongs to their account key's account, else to their work email's company.
 */
import { z } from 'zod';
import {
  type Claim,
  companyDomainOfEmail,
  isFreeMailDomain,
  normalizeDomain,
  normalizeEmail,
  type PersonFact,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';
import { SqlQueryError } from './errors.js';
import type { SqlAccount, SqlAnswer, SqlPerson, SqlUsageDay } from './types.js';

// Postgres type OIDs (pg_type.oid) of the columns a contract accepts.
const TEXT = [25, 1043, 1042, 19, 2950, 705];
const INTEGER = [20, 21, 23];
const NUMBER = [...INTEGER, 1700, 700, 701];
const DAY = [1082, 1114, 1184];

interface ColumnRule {
  name: string;
  types: number[];
  kind: string;
  fix: string;
  optional?: boolean;
}

/** The columns each query must return (by name; order and extra columns do not matter). */
export const CONTRACTS = {
  usage: [
    { name: 'account_key', types: [...TEXT, ...INTEGER], kind: 'text', fix: 'account_key::text' },
    { name: 'day', types: [...DAY, ...TEXT], kind: 'a date', fix: "date_trunc('day', ts)::date AS day" },
    { name: 'event', types: TEXT, kind: 'text', fix: 'event::text' },
    { name: 'count', types: NUMBER, kind: 'a number', fix: 'count(*) AS count' },
    {
      name: 'persons',
      types: NUMBER,
      kind: 'a number',
      fix: 'count(DISTINCT user_id) AS persons',
      optional: true,
    },
  ],
  accounts: [
    { name: 'account_key', types: [...TEXT, ...INTEGER], kind: 'text', fix: 'account_key::text' },
    { name: 'domain', types: TEXT, kind: 'text', fix: 'domain::text' },
    { name: 'name', types: TEXT, kind: 'text', fix: 'name::text', optional: true },
  ],
  people: [
    { name: 'email', types: TEXT, kind: 'text', fix: 'email::text' },
    { name: 'account_key', types: [...TEXT, ...INTEGER], kind: 'text', fix: 'account_key::text' },
    { name: 'name', types: TEXT, kind: 'text', fix: 'name::text', optional: true },
    { name: 'title', types: TEXT, kind: 'text', fix: 'title::text', optional: true },
  ],
} satisfies Record<string, ColumnRule[]>;

export type QueryKind = keyof typeof CONTRACTS;

/**
 * The answer's rows as objects keyed by the contract's columns, after checking the columns are there
 * with usable types. Throws SqlQueryError naming what is missing or mistyped and how to fix it.
 */
export function contractRows(
  what: string,
  kind: QueryKind,
  answer: SqlAnswer,
): Record<string, string | null>[] {
  const rules: ColumnRule[] = CONTRACTS[kind];
  const index = new Map<string, number>();
  answer.columns.forEach((c, i) => {
    if (!index.has(c.name)) index.set(c.name, i);
  });
  const required = rules.filter((r) => !r.optional);
  const missing = required.filter((r) => !index.has(r.name)).map((r) => r.name);
  if (missing.length > 0) {
    throw new SqlQueryError(
      `${what} must return the columns ${required.map((r) => r.name).join(', ')}; it returns ${answer.columns.map((c) => c.name).join(', ') || 'none'} (missing ${missing.join(', ')}). Name them with AS, e.g. SELECT … AS ${missing[0]}.`,
    );
  }
  for (const rule of rules) {
    const at = index.get(rule.name);
    if (at === undefined) continue;
    const oid = answer.columns[at]!.typeOid;
    if (!rule.types.includes(oid)) {
      throw new SqlQueryError(
        `${what}'s column ${rule.name} has type ${typeName(oid)}; it must be ${rule.kind}. Cast it, e.g. ${rule.fix}.`,
      );
    }
  }
  return answer.rows.map((row) =>
    Object.fromEntries(
      rules.map((r) => [r.name, index.has(r.name) ? (row[index.get(r.name)!] ?? null) : null]),
    ),
  );
}

const TYPE_NAMES: Record<number, string> = {
  16: 'boolean',
  17: 'bytea',
  114: 'json',
  3802: 'jsonb',
  1083: 'time',
  1186: 'interval',
  1009: 'text[]',
};
const typeName = (oid: number) =>
  TYPE_NAMES[oid] ?? (NUMBER.includes(oid) ? 'a number' : DAY.includes(oid) ? 'a date' : `OID ${oid}`);

const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const nonEmpty = (v: string | null) => (v === null || v.trim() === '' ? null : v.trim());

/** A usage row as a record; the stream's schema rejects one with a bad day or count, with the reason. */
export function usageRecord(row: Record<string, string | null>): SqlUsageDay {
  return {
    account_key: nonEmpty(row.account_key ?? null) ?? '',
    // A timestamp's text starts with its day (the session is in UTC).
    day: (row.day ?? '').slice(0, 10),
    event: nonEmpty(row.event ?? null) ?? '',
    count: row.count === null || row.count === undefined ? Number.NaN : Number(row.count),
    // Unknown (no persons column, or null) counts as 0, as for any source that does not know.
    persons: row.persons === null || row.persons === undefined ? 0 : Number(row.persons),
  };
}

export function accountRecord(row: Record<string, string | null>): SqlAccount {
  return {
    account_key: nonEmpty(row.account_key ?? null) ?? '',
    domain: nonEmpty(row.domain ?? null),
    name: nonEmpty(row.name ?? null),
  };
}

export function personRecord(row: Record<string, string | null>): SqlPerson {
  return {
    email: normalizeEmail(row.email) ?? '',
    account_key: nonEmpty(row.account_key ?? null),
    name: nonEmpty(row.name ?? null),
    title: nonEmpty(row.title ?? null),
  };
}

export const usageSchema: z.ZodType<SqlUsageDay> = z.object({
  account_key: z.string().min(1, 'account_key is empty'),
  day: z.string().regex(DAY_TEXT, 'day is not a date (YYYY-MM-DD)'),
  event: z.string().min(1, 'event is empty'),
  // Whole numbers: both dialects of the usage ingest then read the same value.
  count: z
    .number('count is not a number')
    .int('count is not a whole number')
    .nonnegative('count is negative'),
  persons: z
    .number('persons is not a number')
    .int('persons is not a whole number')
    .nonnegative('persons is negative'),
});

export const accountSchema: z.ZodType<SqlAccount> = z.object({
  account_key: z.string().min(1, 'account_key is empty'),
  domain: z.string().nullable(),
  name: z.string().nullable(),
});

export const personSchema: z.ZodType<SqlPerson> = z.object({
  email: z.string().min(3, 'email is empty or not an email'),
  account_key: z.string().nullable(),
  name: z.string().nullable(),
  title: z.string().nullable(),
});

/** An account claims its domain, else its account key when that is a domain. */
export function accountClaim(account: SqlAccount): Claim {
  const domain = normalizeDomain(account.domain) ?? normalizeDomain(account.account_key);
  if (!domain || isFreeMailDomain(domain)) {
    return { kind: 'none', reason: 'the accounts query gave no company domain for this account_key' };
  }
  return { kind: 'domain', domain, method: 'group' };
}

/** A person follows their account key, else the company of a work email. */
export function personClaim(person: SqlPerson): Claim {
  const email = normalizeEmail(person.email);
  if (person.account_key) return { kind: 'group_or_email', groupKey: person.account_key, email };
  const domain = companyDomainOfEmail(email);
  if (domain) return { kind: 'domain', domain, method: 'email_domain' };
  return { kind: 'none', reason: 'personal email and no account_key' };
}

export function personFact(person: SqlPerson): PersonFact {
  return {
    id: person.email,
    email: normalizeEmail(person.email),
    name: person.name,
    title: person.title,
    department: null,
    createdAt: null,
    lastSeenAt: null,
  };
}

export const usageFacts: StreamFacts<SqlUsageDay> = {
  usage: {
    key: 'account_key',
    day: 'day',
    event: 'event',
    count: 'count',
    persons: 'persons',
    externalIdKeySeparator: '|',
  },
};

export const accountsFacts: StreamFacts<SqlAccount> = {
  identity: { claim: accountClaim, accountKey: (account) => account.account_key },
  name: { priority: 20, of: (account) => account.name },
};

export const peopleFacts: StreamFacts<SqlPerson> = {
  identity: { claim: personClaim, follows: true, email: (person) => normalizeEmail(person.email) },
  people: personFact,
};
