/**
 * Facts: what an integration's records mean to Beton. Each stream declares how its records become
 * canonical model facts (src/model): the company they claim, the name they offer, its owner, people,
 * billing, deals, feedback and usage. The domain walks the registry for the streams carrying a kind of fact and
 * never names an integration.
 *
 * @example
 * streams: {
 *   companies: {
 *     ...companiesStream,
 *     facts: {
 *       identity: { claim: (r) => ({ kind: 'domain', domain: r.domain, method: 'crm_domain' }) },
 *       name: { priority: 10, of: (r) => r.name },
 *     },
 *   },
 * }
 */
import type {
  Claim,
  DealFact,
  Firmographics,
  IdentityAnchor,
  InvoicePoints,
  NpsAnswer,
  OwnerFact,
  PersonFact,
  PriceBook,
  PriceInfo,
  SubscriptionHistory,
  UsageFields,
} from '../../model/index.js';

/** How a stream's records tie to a company. */
export interface IdentityFacts<TRecord, TContext = unknown> {
  /** The claim a record makes; `context` is what `context.build` made of the sibling stream (or null). */
  claim(record: TRecord, context: TContext | null): Claim;
  /**
   * The claims refer to other records (a customer, an account key, a person's email): the stream is
   * resolved after the streams that make direct claims, and re-resolved when what it refers to moves.
   */
  follows?: boolean;
  /** Other records find this stream's records: billing customers by id, people by email. */
  anchor?: IdentityAnchor;
  /** The email a record keys on (people, customers): dependents follow it. */
  email?(record: TRecord): string | null;
  /** The account key a linked record owns (usage and feedback filed under that key follow it). */
  accountKey?(record: TRecord): string | null;
  /** Read once per pass: the live records of a sibling stream, reduced to what `claim` needs. */
  context?: { stream: string; build(records: readonly unknown[]): TContext | null };
}

/** The company name a record offers; the lowest `priority` among an account's offers wins. */
export interface NameFacts<TRecord> {
  priority: number;
  /** Null when this record's name is not the company's (e.g. a person's card). */
  of(record: TRecord): string | null;
}

/**
 * Who owns the company a record describes (a CRM's company owner). Owners are usually references
 * to the CRM's users, listed by a sibling stream: `context.build` reduces that stream's live records
 * to what `of` needs (e.g. a map from user id to e-mail and name). Among an account's records the
 * lowest `priority` naming an owner wins.
 *
 * @example
 * owner: {
 *   priority: 10,
 *   of: (company, users) => (users as Map<string, OwnerFact> | null)?.get(company.owner_id) ?? null,
 *   context: { stream: 'users', build: (records) => new Map(records.map((u) => [u.id, { email: u.email, name: u.name }])) },
 * }
 */
export interface OwnerFacts<TRecord, TContext = unknown> {
  priority: number;
  /** The owner the record names, found in `context` when given; null when unassigned or unknown. */
  of(record: TRecord, context: TContext | null): OwnerFact | null;
  /** Read once per pass: the live records of a sibling stream, reduced to what `of` needs. */
  context?: { stream: string; build(records: readonly unknown[]): TContext | null };
}

/** Billing facts: a stream is a price list, subscriptions or invoices (prices are the same source's). */
export interface BillingFacts<TRecord> {
  price?(record: TRecord): PriceInfo;
  subscription?(record: TRecord, prices: PriceBook): SubscriptionHistory;
  invoice?(record: TRecord, prices: PriceBook): InvoicePoints;
}

/** Everything a stream's records mean; every part is optional. */
export interface StreamFacts<TRecord> {
  identity?: IdentityFacts<TRecord>;
  name?: NameFacts<TRecord>;
  /** When the source first saw the company (signup is the earliest across sources). */
  firstSeen?(record: TRecord): string | null;
  people?(record: TRecord): PersonFact;
  /**
   * A person the source knows at the company who is not (necessarily) a user of the product: a CRM
   * contact, a billing e-mail. They appear among the account's people (merged with users by
   * e-mail), never among the detectors' inputs. Null when the record names nobody.
   */
  contacts?(record: TRecord): PersonFact | null;
  billing?: BillingFacts<TRecord>;
  /** The company's owner (a CRM's assignment): alerts and digests reach them, filters select by them. */
  owner?: OwnerFacts<TRecord>;
  /** A sales deal (won deals are revenue outcomes for the backtest), or null when the record is none. */
  deal?(record: TRecord): DealFact | null;
  /** An NPS answer, or null when the record holds none. */
  feedback?(record: TRecord): NpsAnswer | null;
  /** Usage days, declared as fields so the ingest aggregates them in SQL. */
  usage?: UsageFields;
}

/** Facts of the integration as a whole (not of a stream): firmographics an enrichment returns. */
export interface IntegrationFacts {
  firmographics?: {
    /** Priority of the firmographic name among the names streams offer (lower wins). */
    namePriority: number;
    of(organization: unknown): Firmographics | null;
  };
}

export type FactKind = keyof StreamFacts<unknown>;

/** One stream carrying a kind of fact, found by walking the registry. */
export interface StreamWithFacts {
  integration: string;
  displayName: string;
  stream: string;
  facts: StreamFacts<unknown>;
}

interface RegistryLike {
  list(): readonly {
    name: string;
    displayName: string;
    streams: Readonly<Record<string, { facts?: StreamFacts<never> }>>;
  }[];
}

/**
 * The streams of every registered integration declaring a kind of fact, in registry order (for
 * `identity`: streams making direct claims first, then those that follow other records).
 *
 * @example streamsWithFacts(registry, 'identity').map((s) => `${s.integration}/${s.stream}`)
 */
export function streamsWithFacts(registry: RegistryLike, kind: FactKind): StreamWithFacts[] {
  const out: StreamWithFacts[] = [];
  for (const integration of registry.list()) {
    for (const [stream, def] of Object.entries(integration.streams)) {
      const facts = def.facts as StreamFacts<unknown> | undefined;
      if (facts?.[kind] === undefined) continue;
      out.push({ integration: integration.name, displayName: integration.displayName, stream, facts });
    }
  }
  if (kind === 'identity') {
    const follows = (s: StreamWithFacts) => (s.facts.identity?.follows ? 1 : 0);
    out.sort((a, b) => follows(a) - follows(b));
  }
  return out;
}

/**
 * The facts a stream declares, or undefined.
 *
 * @example factsOf(registry, 'acme', 'companies')?.name?.priority
 */
export function factsOf(registry: RegistryLike, integration: string, stream: string) {
  const found = registry.list().find((i) => i.name === integration);
  return found?.streams[stream]?.facts as StreamFacts<unknown> | undefined;
}
