/**
 * What HubSpot's records mean to Beton: a company claims the account of its domain, names it and
 * names its owner (`hubspot_owner_id`, looked up among the synced owners); other records find it by
 * its id. A contact is a person at its primary company (else at its work email's domain); a deal
 * belongs to the account of its first company. Association records are kept for routing.
 */
import {
  type Claim,
  companyDomainOfEmail,
  type DealFact,
  emailDomain,
  isFreeMailDomain,
  normalizeDomain,
  normalizeEmail,
  type OwnerFact,
  type PersonFact,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';
import type { HubspotObject, HubspotOwner } from './types.js';

const prop = (o: HubspotObject, name: string): string | null => {
  const v = o.properties?.[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
};

/** A HubSpot date property (ISO string, or milliseconds as a string) as ISO; null when absent. */
export function dateOf(value: string | null): string | null {
  if (!value) return null;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** A company claims its domain (HubSpot keeps it bare; a URL or `www.` is normalised). */
export function companyClaim(company: HubspotObject): Claim {
  const domain = normalizeDomain(prop(company, 'domain'));
  if (!domain) return { kind: 'none', reason: 'the HubSpot company has no domain' };
  if (isFreeMailDomain(domain))
    return { kind: 'none', reason: `${domain} is a mailbox provider, not a company` };
  return { kind: 'domain', domain, method: 'crm_domain' };
}

/** A contact claims its primary company (`associatedcompanyid`), else its work email's domain. */
export function contactClaim(contact: HubspotObject): Claim {
  const company = prop(contact, 'associatedcompanyid');
  if (company) return { kind: 'customer', customerId: company };
  const email = normalizeEmail(prop(contact, 'email'));
  const domain = companyDomainOfEmail(email);
  if (domain) return { kind: 'domain', domain, method: 'email_domain' };
  if (email) return { kind: 'none', reason: `personal email (${emailDomain(email)}) and no primary company` };
  return { kind: 'none', reason: 'no email and no primary company' };
}

/** A contact as a person; its title gives seniority and department when people are merged. */
export function contactFact(contact: HubspotObject): PersonFact {
  const first = prop(contact, 'firstname');
  const last = prop(contact, 'lastname');
  return {
    id: contact.id,
    email: normalizeEmail(prop(contact, 'email')),
    name: [first, last].filter(Boolean).join(' ') || null,
    title: prop(contact, 'jobtitle'),
    department: null,
    createdAt: dateOf(prop(contact, 'createdate')) ?? contact.createdAt ?? null,
    lastSeenAt: null,
  };
}

/** The ids of a deal's companies, as the list (or Beton, after a search) attached them. */
export const dealCompanyIds = (deal: HubspotObject): string[] =>
  (deal.associations?.companies?.results ?? []).map((r) => String(r.id));

/** A deal belongs to the account of its first company. */
export function dealClaim(deal: HubspotObject): Claim {
  const company = dealCompanyIds(deal)[0];
  return company
    ? { kind: 'customer', customerId: company }
    : { kind: 'none', reason: 'the deal has no company' };
}

/** The synced owners by id: who `hubspot_owner_id` refers to. */
export function ownerDirectory(owners: readonly unknown[]): Map<string, OwnerFact> {
  const out = new Map<string, OwnerFact>();
  for (const raw of owners) {
    const owner = raw as Partial<HubspotOwner>;
    const email = normalizeEmail(owner.email);
    if (owner.id === undefined || !email) continue;
    const name = [owner.firstName, owner.lastName].filter((p) => typeof p === 'string' && p.trim()).join(' ');
    out.set(String(owner.id), { email, name: name || null });
  }
  return out;
}

/** The company's owner: its `hubspot_owner_id` among the synced owners (null when unassigned or unknown). */
export function companyOwner(
  company: HubspotObject,
  owners: ReadonlyMap<string, OwnerFact> | null,
): OwnerFact | null {
  const id = prop(company, 'hubspot_owner_id');
  return id ? (owners?.get(id) ?? null) : null;
}

export const companiesFacts: StreamFacts<HubspotObject> = {
  identity: { claim: companyClaim, anchor: 'customer' },
  // The CRM's name for a company is what the sales team calls it: preferred over product sources.
  name: { priority: 10, of: (company) => prop(company, 'name') },
  owner: {
    priority: 10,
    of: (company, owners) => companyOwner(company, owners as ReadonlyMap<string, OwnerFact> | null),
    context: { stream: 'owners', build: ownerDirectory },
  },
  firstSeen: (company) => dateOf(prop(company, 'createdate')),
};

/**
 * Contacts are CRM people: among the account's people (merged with product users by email, title →
 * seniority and department), not detector inputs of their own — as every CRM's people are.
 */
export const contactsFacts: StreamFacts<HubspotObject> = {
  identity: { claim: contactClaim, follows: true },
  contacts: contactFact,
};

/**
 * A deal: won when HubSpot says so (`hs_is_closed_won`, or the default pipeline's `closedwon` stage),
 * lost when closed otherwise; its close date is when the outcome happened.
 */
export function dealFact(deal: HubspotObject): DealFact {
  const stage = prop(deal, 'dealstage');
  const won = prop(deal, 'hs_is_closed_won') === 'true' || stage === 'closedwon';
  const closed = won || prop(deal, 'hs_is_closed') === 'true' || stage === 'closedlost';
  const amount = Number(prop(deal, 'amount'));
  return {
    id: deal.id,
    status: won ? 'won' : closed ? 'lost' : 'open',
    amount: prop(deal, 'amount') !== null && Number.isFinite(amount) ? amount : null,
    closedAt: closed ? dateOf(prop(deal, 'closedate')) : null,
  };
}

export const dealsFacts: StreamFacts<HubspotObject> = {
  identity: { claim: dealClaim, follows: true },
  deal: dealFact,
};
