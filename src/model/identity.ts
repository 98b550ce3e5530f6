/**
 * Company identity: what one source record says about which company it belongs to. A claim is a
 * pure function of the record's payload, so resolution is deterministic. It is either a domain (with
 * how it was found), a reference to resolve through another record (a billing customer, an account
 * key or a person's email), or nothing with the reason why.
 */

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
