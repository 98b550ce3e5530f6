import type { IntegrationRegistry } from '../integrations/registry.js';
import type { DealFact, NpsAnswer, PersonFact, PriceBook, SubscriptionHistory } from '../model/index.js';
import { toMs } from '../model/index.js';
import type { AccountHistory } from './facts.js';
import { factsLookup } from './registry.js';

/**
 * Build an account's time-indexed history from the source records linked to it, shaped per
 * docs/data-model.md. Each record becomes model facts through its stream's mapper (people, billing,
 * feedback, when it was first seen); a field a source leaves out becomes null, never a guess.
 */

export type { PriceBook, PriceInfo } from '../model/index.js';

export interface SourceRecord {
  integration: string;
  stream: string;
  externalId: string;
  payload: unknown;
  syncedAt: string;
  deletedAt: string | null;
}

/** Each billing source's prices, by integration name. */
export type PriceBooks = ReadonlyMap<string, PriceBook>;

const NO_PRICES: PriceBook = new Map();

const earliest = (values: (string | null)[]) =>
  values.filter((v): v is string => v !== null).sort((a, b) => toMs(a) - toMs(b))[0] ?? null;

/**
 * The history of one account from its linked records; `prices` are the workspace's price lists by
 * integration.
 *
 * @example
 * const history = buildHistory(records, prices, registry);
 * history.subscriptions[0]?.points; // paid invoices as billing points
 */
export function buildHistory(
  records: readonly SourceRecord[],
  prices: PriceBooks,
  registry?: IntegrationRegistry,
): AccountHistory {
  const lookup = factsLookup(registry);
  const persons: PersonFact[] = [];
  const nps: NpsAnswer[] = [];
  const deals: DealFact[] = [];
  const subs = new Map<string, SubscriptionHistory>();
  const invoices: SourceRecord[] = [];
  const seen: (string | null)[] = [];
  let observedAt = '';
  for (const r of records) {
    if (r.syncedAt > observedAt) observedAt = r.syncedAt;
    const facts = lookup.facts(r.integration, r.stream);
    if (!facts) continue;
    // A deleted person or invoice is gone; a deleted company or subscription still tells the past.
    if (r.deletedAt && (facts.people || facts.billing?.invoice)) continue;
    if (facts.people) persons.push(facts.people(r.payload));
    if (facts.firstSeen) seen.push(facts.firstSeen(r.payload));
    if (facts.billing?.subscription) {
      const sub = facts.billing.subscription(r.payload, prices.get(r.integration) ?? NO_PRICES);
      if (sub.id) subs.set(sub.id, sub);
    }
    if (facts.billing?.invoice) invoices.push(r);
    if (facts.feedback) {
      const answer = facts.feedback(r.payload);
      if (answer) nps.push(answer);
    }
    if (facts.deal && !r.deletedAt) {
      const deal = facts.deal(r.payload);
      if (deal) deals.push(deal);
    }
  }
  for (const r of invoices) {
    const points = lookup.facts(r.integration, r.stream)!.billing!.invoice!(
      r.payload,
      prices.get(r.integration) ?? NO_PRICES,
    );
    for (const [subId, point] of points) subs.get(subId)?.points.push(point);
  }
  for (const sub of subs.values()) sub.points.sort((a, b) => toMs(a.at) - toMs(b.at));
  persons.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
  nps.sort((a, b) => toMs(a.at) - toMs(b.at));
  return {
    observedAt: observedAt || new Date(0).toISOString(),
    signupAt: earliest(seen),
    persons,
    subscriptions: [...subs.values()].sort((a, b) => a.id.localeCompare(b.id)),
    nps,
    deals: deals.sort(
      (a, b) => (a.closedAt ?? '').localeCompare(b.closedAt ?? '') || a.id.localeCompare(b.id),
    ),
  };
}
