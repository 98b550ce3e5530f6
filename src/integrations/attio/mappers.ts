/**
 * What Attio's records mean to Beton: a company record claims its first company domain, offers the
 * CRM's name for the company (preferred over every other source's) and names its owner (the
 * workspace member its `owner` attribute refers to); a person record claims the company domain of a
 * work email.
 */
import {
  type Claim,
  companyDomainOfEmail,
  isFreeMailDomain,
  normalizeDomain,
  normalizeEmail,
  type OwnerFact,
  type PersonFact,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';
import type { AttioRecord, AttioWorkspaceMember } from './types.js';

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

/** The company attribute naming its owner: an actor reference to a workspace member. */
export const OWNER_ATTRIBUTE = 'owner';

/** The synced workspace members by id: whom an actor reference names. */
export function memberDirectory(members: readonly unknown[]): Map<string, OwnerFact> {
  const out = new Map<string, OwnerFact>();
  for (const raw of members) {
    const member = raw as Partial<AttioWorkspaceMember>;
    const id = trimmed(member.id?.workspace_member_id);
    const email = normalizeEmail(member.email_address);
    if (!id || !email) continue;
    const name = [trimmed(member.first_name), trimmed(member.last_name)].filter(Boolean).join(' ');
    out.set(id, { email, name: name || null });
  }
  return out;
}

/** The member the company's `owner` attribute refers to (null when unassigned or not a member). */
export function companyOwner(
  company: AttioRecord,
  members: ReadonlyMap<string, OwnerFact> | null,
): OwnerFact | null {
  const values = obj(obj(company).values)[OWNER_ATTRIBUTE];
  if (!Array.isArray(values)) return null;
  const ref = values
    .map((v) => obj(v))
    .find(
      (v) =>
        !v.active_until && v.referenced_actor_type === 'workspace-member' && trimmed(v.referenced_actor_id),
    );
  return ref ? (members?.get(String(ref.referenced_actor_id).trim()) ?? null) : null;
}

export const companiesFacts: StreamFacts<AttioRecord> = {
  identity: { claim: companyClaim },
  name: { priority: 10, of: (company) => activeValues(company, 'name', 'value')[0] ?? null },
  owner: {
    priority: 10,
    of: (company, members) => companyOwner(company, members as ReadonlyMap<string, OwnerFact> | null),
    context: { stream: 'workspace_members', build: memberDirectory },
  },
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
