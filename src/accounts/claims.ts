import {
  companyDomainOfEmail,
  emailDomain,
  isFreeMailDomain,
  normalizeDomain,
  normalizeEmail,
} from './domains.js';

/**
 * What one source record says about which company it belongs to — a pure function of its payload,
 * so resolution is deterministic. A claim is either a domain, or a reference to resolve through
 * another record (a Stripe invoice's customer, a survey answer's group or email), or nothing with
 * the reason why.
 */

export type Claim =
  | { kind: 'domain'; domain: string; method: LinkMethod; conflict?: Conflict }
  | { kind: 'customer'; customerId: string }
  | { kind: 'group_or_email'; groupKey: string | null; email: string | null }
  | { kind: 'email'; email: string; reason: string }
  | { kind: 'none'; reason: string };

export type LinkMethod =
  | 'group'
  | 'company_domain'
  | 'email_domain'
  | 'metadata_domain'
  | 'crm_domain'
  | 'customer'
  | 'person_email'
  | 'group_key'
  | 'manual';

export interface Conflict {
  chosen: string;
  candidates: { domain: string; method: LinkMethod }[];
  rule: string;
}

/** Streams whose records carry identity (or attach to an account through one that does). */
export const LINKED_STREAMS: readonly { integration: string; stream: string }[] = [
  { integration: 'posthog', stream: 'groups' },
  { integration: 'posthog', stream: 'persons' },
  { integration: 'stripe', stream: 'customers' },
  { integration: 'attio', stream: 'companies' },
  { integration: 'attio', stream: 'people' },
  { integration: 'stripe', stream: 'subscriptions' },
  { integration: 'stripe', stream: 'invoices' },
  { integration: 'posthog', stream: 'survey_responses' },
];

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** Attio values are arrays of typed entries; take the active ones' field. */
function attioValues(record: Obj, slug: string, field: string): string[] {
  const values = obj(record.values)[slug];
  if (!Array.isArray(values)) return [];
  return values
    .map((v) => obj(v))
    .filter((v) => v.active_until === undefined || v.active_until === null)
    .map((v) => str(v[field]))
    .filter((v): v is string => v !== null);
}

/** The first item of a value list that is a usable company domain. */
const firstDomain = (values: unknown[]) =>
  values.map(normalizeDomain).find((d) => d !== null && !isFreeMailDomain(d)) ?? null;

function personClaim(payload: Obj): Claim {
  const props = obj(payload.properties);
  const email = normalizeEmail(props.email);
  const stated = normalizeDomain(props.company_domain);
  const fromEmail = companyDomainOfEmail(email);
  if (stated && !isFreeMailDomain(stated)) {
    const conflict =
      fromEmail && fromEmail !== stated
        ? {
            chosen: stated,
            candidates: [
              { domain: stated, method: 'company_domain' as const },
              { domain: fromEmail, method: 'email_domain' as const },
            ],
            rule: 'the company_domain property wins over the email domain',
          }
        : undefined;
    return { kind: 'domain', domain: stated, method: 'company_domain', ...(conflict ? { conflict } : {}) };
  }
  if (fromEmail) return { kind: 'domain', domain: fromEmail, method: 'email_domain' };
  if (email) return { kind: 'none', reason: `personal email (${emailDomain(email)}) and no company_domain` };
  return { kind: 'none', reason: 'no email and no company_domain' };
}

function customerClaim(payload: Obj): Claim {
  const meta = obj(payload.metadata);
  const stated = normalizeDomain(meta.domain);
  const email = normalizeEmail(payload.email);
  const fromEmail = companyDomainOfEmail(email);
  if (stated && !isFreeMailDomain(stated)) {
    const conflict =
      fromEmail && fromEmail !== stated
        ? {
            chosen: stated,
            candidates: [
              { domain: stated, method: 'metadata_domain' as const },
              { domain: fromEmail, method: 'email_domain' as const },
            ],
            rule: 'metadata.domain wins over the billing email domain',
          }
        : undefined;
    return { kind: 'domain', domain: stated, method: 'metadata_domain', ...(conflict ? { conflict } : {}) };
  }
  if (fromEmail) return { kind: 'domain', domain: fromEmail, method: 'email_domain' };
  if (email)
    return {
      kind: 'email',
      email,
      reason: `personal billing email (${emailDomain(email)}) and no metadata.domain`,
    };
  return { kind: 'none', reason: 'no email and no metadata.domain' };
}

/**
 * The claim a record makes. `companyGroupTypes` are the PostHog group type indexes that mean
 * "company" (null when group types are not synced: then any group with a domain counts).
 *
 * @example claimOf('stripe', 'customers', { email: 'ann@acme.io', metadata: {} }, null) // { kind: 'domain', domain: 'acme.io', … }
 */
export function claimOf(
  integration: string,
  stream: string,
  payload: unknown,
  companyGroupTypes: ReadonlySet<number> | null,
): Claim {
  const p = obj(payload);
  switch (`${integration}/${stream}`) {
    case 'posthog/groups': {
      const index = typeof p.group_type_index === 'number' ? p.group_type_index : Number(p.group_type_index);
      if (companyGroupTypes && !companyGroupTypes.has(index))
        return { kind: 'none', reason: `group type ${index} is not a company` };
      const props = obj(p.group_properties);
      const domain = normalizeDomain(props.domain) ?? normalizeDomain(p.group_key);
      if (!domain || isFreeMailDomain(domain))
        return { kind: 'none', reason: 'the group has no company domain' };
      return { kind: 'domain', domain, method: 'group' };
    }
    case 'posthog/persons':
      return personClaim(p);
    case 'stripe/customers':
      return customerClaim(p);
    case 'attio/companies': {
      const domain = firstDomain(attioValues(p, 'domains', 'domain'));
      return domain
        ? { kind: 'domain', domain, method: 'crm_domain' }
        : { kind: 'none', reason: 'the CRM company has no domain' };
    }
    case 'attio/people': {
      const domain =
        attioValues(p, 'email_addresses', 'email_address')
          .map(companyDomainOfEmail)
          .find((d) => d) ?? null;
      return domain
        ? { kind: 'domain', domain, method: 'email_domain' }
        : { kind: 'none', reason: 'no company email' };
    }
    case 'stripe/subscriptions':
    case 'stripe/invoices': {
      const customer = str(p.customer) ?? str(obj(p.customer).id);
      return customer ? { kind: 'customer', customerId: customer } : { kind: 'none', reason: 'no customer' };
    }
    case 'posthog/survey_responses':
      return { kind: 'group_or_email', groupKey: str(p.group_key), email: normalizeEmail(p.person_email) };
    default:
      return { kind: 'none', reason: `${integration}/${stream} carries no identity` };
  }
}

/** Names a source gives the company, in the order Beton prefers them. */
export const NAME_SOURCES = ['attio', 'posthog', 'apollo', 'stripe'] as const;

/** The company name a record offers, if it is a company-level record. */
export function nameOf(integration: string, stream: string, payload: unknown): string | null {
  const p = obj(payload);
  if (integration === 'posthog' && stream === 'groups') return str(obj(p.group_properties).name);
  if (integration === 'attio' && stream === 'companies') return attioValues(p, 'name', 'value')[0] ?? null;
  if (integration === 'stripe' && stream === 'customers') return str(p.name);
  return null;
}
