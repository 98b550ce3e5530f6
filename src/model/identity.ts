/**
 * Company identity: what one source record says about which company it belongs to. A claim is a
 * pure function of the record's payload, so resolution is deterministic. It is either a domain (with
 * how it was found), a reference to resolve through another record (a billing customer, an account
 * key or a person's email), or nothing with the reason why.
 */
import { companyDomainOfEmail, isFreeMailDomain } from './domains.js';

/** How a record was tied to its account; `manual` is a person's decision. */
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

/** Two candidate domains in one record, and the rule that chose between them. */
export interface Conflict {
  chosen: string;
  candidates: { domain: string; method: LinkMethod }[];
  rule: string;
}

/**
 * The claim of one record.
 * - `domain`: the record names its company's domain.
 * - `customer`: it belongs to whatever account the source's billing customer `customerId` belongs to.
 * - `group_or_email`: it belongs to the account of an account key (`groupKey`), else of the person
 *   with `email`.
 * - `email`: only a personal email is known; the account of a person with that email, if any.
 * - `none`: no identity, and why (shown to users).
 */
export type Claim =
  | { kind: 'domain'; domain: string; method: LinkMethod; conflict?: Conflict }
  | { kind: 'customer'; customerId: string }
  | { kind: 'group_or_email'; groupKey: string | null; email: string | null }
  | { kind: 'email'; email: string; reason: string }
  | { kind: 'none'; reason: string };

/**
 * What other records find a record by: a billing customer by its id (`customer` claims), a person by
 * email (`email` and `group_or_email` claims).
 */
export type IdentityAnchor = 'customer' | 'person';

/**
 * The claim of a record that may state its company's domain and may carry an email: the stated
 * domain wins (a different email domain is kept as the conflict `rule` settled), else the email's
 * company domain. Null when neither gives a company domain: the caller says why.
 *
 * @example
 * statedOrEmailClaim('acme.io', 'ann@acme.com', 'metadata_domain', 'metadata.domain wins');
 * // { kind: 'domain', domain: 'acme.io', method: 'metadata_domain', conflict: { chosen: 'acme.io', … } }
 */
export function statedOrEmailClaim(
  stated: string | null,
  email: string | null,
  statedMethod: LinkMethod,
  rule: string,
): Claim | null {
  const fromEmail = companyDomainOfEmail(email);
  if (stated && !isFreeMailDomain(stated)) {
    if (!fromEmail || fromEmail === stated) return { kind: 'domain', domain: stated, method: statedMethod };
    const candidates = [
      { domain: stated, method: statedMethod },
      { domain: fromEmail, method: 'email_domain' as const },
    ];
    return {
      kind: 'domain',
      domain: stated,
      method: statedMethod,
      conflict: { chosen: stated, candidates, rule },
    };
  }
  return fromEmail ? { kind: 'domain', domain: fromEmail, method: 'email_domain' } : null;
}
