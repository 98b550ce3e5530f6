/**
 * What Attio's records mean to Beton: a company record claims its first company domain and offers
 * the CRM's name for the company (preferred over every other source's); a person record claims the
 * company domain of a work email.
 */
import {
  type Claim,
  companyDomainOfEmail,
  isFreeMailDomain,
  normalizeDomain,
  normalizeEmail,
  type PersonFact,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';
import type { AttioRecord } from './types.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const trimmed = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * An attribute's values are arrays of typed entries; the `field` of the active ones (no
 * `active_until`).
 *
 * @example activeValues(record, 'domains', 'domain') // ['acme.io']
 */
export function activeValues(record: AttioRecord, slug: string, field: string): string[] {
  const values = obj(obj(record).values)[slug];
  if (!Array.isArray(values)) return [];
  return values
    .map((v) => obj(v))
    .filter((v) => v.active_until === undefined || v.active_until === null)
    .map((v) => trimmed(v[field]))
    .filter((v): v is string => v !== null);
}

/** A company claims the first of its domains that is a company's (not a mailbox provider's). */
export function companyClaim(company: AttioRecord): Claim {
  const domain =
    activeValues(company, 'domains', 'domain')
      .map(normalizeDomain)
      .find((d) => d !== null && !isFreeMailDomain(d)) ?? null;
  return domain
    ? { kind: 'domain', domain, method: 'crm_domain' }
    : { kind: 'none', reason: 'the CRM company has no domain' };
}

/** A person claims the company domain of the first work email. */
export function personClaim(person: AttioRecord): Claim {
  const domain =
    activeValues(person, 'email_addresses', 'email_address')
      .map(companyDomainOfEmail)
      .find((d) => d) ?? null;
  return domain
    ? { kind: 'domain', domain, method: 'email_domain' }
    : { kind: 'none', reason: 'no company email' };
}

export const companiesFacts: StreamFacts<AttioRecord> = {
  identity: { claim: companyClaim },
  name: { priority: 10, of: (company) => activeValues(company, 'name', 'value')[0] ?? null },
};

/** A CRM person as a contact: name (full name of the personal name), first e-mail, job title. */
export function personContact(person: AttioRecord): PersonFact | null {
  const email = activeValues(person, 'email_addresses', 'email_address')
    .map(normalizeEmail)
    .find((e) => e);
  const name =
    activeValues(person, 'name', 'full_name')[0] ?? activeValues(person, 'name', 'value')[0] ?? null;
  if (!email && !name) return null;
  return {
    id: trimmed(obj(obj(person).id).record_id) ?? email ?? '',
    email: email ?? null,
    name,
    title: activeValues(person, 'job_title', 'value')[0] ?? null,
    department: null,
    createdAt: trimmed(obj(person).created_at),
    lastSeenAt: null,
  };
}

export const peopleFacts: StreamFacts<AttioRecord> = {
  identity: { claim: personClaim },
  contacts: personContact,
};
