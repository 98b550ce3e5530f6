/**
 * What Stripe's records mean to Beton: customers claim a company (`metadata.domain`, else a work
 * billing email) and offer its name; subscriptions and invoices belong to their customer's account
 * and carry billing (live state, and one billing point per paid invoice); prices are the catalogue
 * both refer to.
 */
import type Stripe from 'stripe';
import {
  type BillingInterval,
  type BillingPoint,
  type Claim,
  emailDomain,
  fromUnix,
  type InvoicePoints,
  normalizeDomain,
  normalizeEmail,
  type PersonFact,
  type PriceBook,
  type PriceInfo,
  type SubscriptionHistory,
  statedOrEmailClaim,
  toMs,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const iso = fromUnix;

/** Currencies counted in whole units (no cents). */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const major = (minor: number, currency: string | null) =>
  currency && ZERO_DECIMAL.has(currency.toLowerCase()) ? minor : minor / 100;

const PERIODS_PER_YEAR = { day: 365, week: 52, month: 12, year: 1 } as const;
const perYear = (interval: BillingInterval, count: number) =>
  interval ? PERIODS_PER_YEAR[interval] / Math.max(1, count) : 0;

const asInterval = (v: unknown): BillingInterval =>
  v === 'day' || v === 'week' || v === 'month' || v === 'year' ? v : null;

/**
 * Reduce a price (with its product expanded or not) to billing facts.
 *
 * @example priceInfo({ unit_amount: 2000, recurring: { interval: 'month' }, metadata: { plan: 'pro', seat_limit: '10' } })
 */
export function priceInfo(price: Stripe.Price | Record<string, unknown>): PriceInfo {
  const p = obj(price);
  const recurring = obj(p.recurring);
  const product = obj(p.product);
  const meta = obj(p.metadata);
  const productMeta = obj(product.metadata);
  return {
    unitAmount: num(p.unit_amount) ?? num(p.unit_amount_decimal),
    currency: str(p.currency),
    interval: asInterval(recurring.interval),
    intervalCount: num(recurring.interval_count) ?? 1,
    plan: str(meta.plan) ?? str(productMeta.plan) ?? str(product.name) ?? str(p.nickname),
    seatLimit: num(meta.seat_limit) ?? num(productMeta.seat_limit),
  };
}

function priceOf(ref: unknown, prices: PriceBook): { id: string | null; info: PriceInfo | null } {
  if (typeof ref === 'string') return { id: ref, info: prices.get(ref) ?? null };
  const p = obj(ref);
  const id = str(p.id);
  const known = id ? prices.get(id) : undefined;
  if (Object.keys(p).length === 0) return { id, info: known ?? null };
  const inline = priceInfo(p);
  if (!known) return { id, info: inline };
  // The stored price record may carry what the inline one lacks (the expanded product, amounts).
  return {
    id,
    info: {
      unitAmount: inline.unitAmount ?? known.unitAmount,
      currency: inline.currency ?? known.currency,
      interval: inline.interval ?? known.interval,
      intervalCount: inline.interval ? inline.intervalCount : known.intervalCount,
      plan: inline.plan ?? known.plan,
      seatLimit: inline.seatLimit ?? known.seatLimit,
    },
  };
}

/**
 * A subscription: its live state (seats, plan, ARR from its items' prices) and its dates.
 *
 * @example subscriptionOf(sub, new Map()).current.seats
 */
export function subscriptionOf(payload: Stripe.Subscription, prices: PriceBook): SubscriptionHistory {
  const s = obj(payload);
  const meta = obj(s.metadata);
  const items = arr(obj(s.items).data).map(obj);
  let seats = 0;
  let arrTotal = 0;
  let plan: string | null = str(meta.plan);
  let seatLimit: number | null = num(meta.seat_limit);
  let interval: BillingInterval = null;
  let intervalCount = 1;
  let currency = str(s.currency);
  let periodEnd: string | null = iso(s.current_period_end);
  for (const item of items) {
    const { info } = priceOf(item.price ?? obj(item.plan).id, prices);
    const quantity = num(item.quantity) ?? 1;
    seats += quantity;
    if (info) {
      interval ??= info.interval;
      if (info.interval) intervalCount = info.intervalCount;
      currency ??= info.currency;
      plan ??= info.plan;
      seatLimit ??= info.seatLimit;
      if (info.unitAmount !== null)
        arrTotal += major(info.unitAmount * quantity, currency) * perYear(info.interval, info.intervalCount);
    }
    const itemEnd = iso(item.current_period_end);
    if (itemEnd && (!periodEnd || toMs(itemEnd) > toMs(periodEnd))) periodEnd = itemEnd;
  }
  return {
    id: str(s.id) ?? '',
    status: str(s.status) ?? 'unknown',
    createdAt: iso(s.created),
    startedAt: iso(s.start_date) ?? iso(s.billing_cycle_anchor) ?? iso(s.created),
    trialStart: iso(s.trial_start),
    trialEnd: iso(s.trial_end),
    canceledAt: iso(s.canceled_at),
    cancelAt: iso(s.cancel_at),
    cancelAtPeriodEnd: s.cancel_at_period_end === true,
    endedAt: iso(s.ended_at),
    currentPeriodEnd: periodEnd,
    interval,
    intervalCount,
    currency,
    current: { arr: arrTotal, seats, plan, seatLimit },
    points: [],
  };
}

interface InvoiceLine {
  subscription: string | null;
  priceId: string | null;
  info: PriceInfo | null;
  quantity: number;
  amount: number | null;
  proration: boolean;
}

function parseInvoiceLines(invoice: Obj, prices: PriceBook): InvoiceLine[] {
  const invoiceSub =
    str(invoice.subscription) ??
    str(obj(invoice.subscription).id) ??
    str(obj(obj(invoice.parent).subscription_details).subscription);
  return arr(obj(invoice.lines).data).map((raw) => {
    const line = obj(raw);
    const parent = obj(line.parent);
    const itemDetails = obj(parent.subscription_item_details);
    const invoiceItemDetails = obj(parent.invoice_item_details);
    const ref = line.price ?? obj(obj(line.pricing).price_details).price ?? obj(line.plan).id;
    const { id, info } = priceOf(ref, prices);
    return {
      subscription: str(line.subscription) ?? str(itemDetails.subscription) ?? invoiceSub,
      priceId: id,
      info,
      quantity: num(line.quantity) ?? 1,
      amount: num(line.amount),
      proration:
        line.proration === true || itemDetails.proration === true || invoiceItemDetails.proration === true,
    };
  });
}

/** One billing point per paid invoice and subscription: the state the invoice charged for. */
export function invoicePoints(payload: Stripe.Invoice, prices: PriceBook): InvoicePoints {
  const invoice = obj(payload);
  const points = new Map<string, BillingPoint>();
  if (invoice.status !== 'paid') return points;
  const at = iso(obj(invoice.status_transitions).paid_at) ?? iso(invoice.created);
  if (!at) return points;
  const currency = str(invoice.currency);
  const bySub = new Map<string, InvoiceLine[]>();
  for (const line of parseInvoiceLines(invoice, prices)) {
    if (!line.subscription) continue;
    const list = bySub.get(line.subscription) ?? [];
    list.push(line);
    bySub.set(line.subscription, list);
  }
  const free =
    (num(invoice.amount_paid) ?? 0) === 0 && (num(invoice.total) ?? num(invoice.amount_due) ?? 0) === 0;
  const update = invoice.billing_reason === 'subscription_update';
  for (const [sub, lines] of bySub) {
    // A mid-cycle change bills the new state as a (positive) proration line: that is the state now.
    const upward = lines.filter((l) => (l.proration || update) && (l.amount ?? 0) > 0);
    const regular = lines.filter((l) => !l.proration);
    const state = upward.length > 0 ? upward : regular;
    if (state.length === 0) continue;
    let arrTotal = 0;
    let seats = 0;
    let plan: string | null = null;
    let seatLimit: number | null = null;
    for (const line of state) {
      const info = line.info;
      seats += line.quantity;
      plan ??= info?.plan ?? null;
      seatLimit ??= info?.seatLimit ?? null;
      const year = perYear(info?.interval ?? null, info?.intervalCount ?? 1);
      // The price is the run rate; a line's amount may be a partial period or a trial's zero.
      if (info?.unitAmount != null) arrTotal += major(info.unitAmount * line.quantity, currency) * year;
      else if (line.amount !== null && !line.proration && !update)
        arrTotal += major(line.amount, currency) * year;
    }
    points.set(sub, { at, arr: free ? 0 : arrTotal, seats, plan, seatLimit });
  }
  return points;
}

const trimmed = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/** A customer claims `metadata.domain`, else its billing email's company domain. */
export function customerClaim(customer: Stripe.Customer): Claim {
  const payload = obj(customer);
  const email = normalizeEmail(payload.email);
  const rule = 'metadata.domain wins over the billing email domain';
  const claim = statedOrEmailClaim(
    normalizeDomain(obj(payload.metadata).domain),
    email,
    'metadata_domain',
    rule,
  );
  if (claim) return claim;
  if (email)
    return {
      kind: 'email',
      email,
      reason: `personal billing email (${emailDomain(email)}) and no metadata.domain`,
    };
  return { kind: 'none', reason: 'no email and no metadata.domain' };
}

/** Subscriptions and invoices belong to their customer's account. */
export function customerRefClaim(record: Stripe.Subscription | Stripe.Invoice): Claim {
  const p = obj(record);
  const customer = trimmed(p.customer) ?? trimmed(obj(p.customer).id);
  return customer ? { kind: 'customer', customerId: customer } : { kind: 'none', reason: 'no customer' };
}

/**
 * The customer's name, when the customer is the company's (it has `metadata.domain`), not a
 * person's card.
 */
export function customerName(customer: Stripe.Customer): string | null {
  const p = obj(customer);
  return obj(p.metadata).domain ? trimmed(p.name) : null;
}

/**
 * The billing contact: the customer's e-mail, named by the customer's name only when the customer
 * is a person's card (a company customer's name is the company's). Null without an e-mail.
 */
export function billingContact(customer: Stripe.Customer): PersonFact | null {
  const p = obj(customer);
  const email = normalizeEmail(p.email);
  if (!email) return null;
  return {
    id: trimmed(p.id) ?? email,
    email,
    name: obj(p.metadata).domain ? null : trimmed(p.name),
    title: null,
    department: null,
    createdAt: iso(p.created),
    lastSeenAt: null,
  };
}

export const customersFacts: StreamFacts<Stripe.Customer> = {
  identity: {
    claim: customerClaim,
    anchor: 'customer',
    email: (customer) => normalizeEmail(obj(customer).email),
  },
  name: { priority: 40, of: customerName },
  contacts: billingContact,
  firstSeen: (customer) => iso(obj(customer).created),
};

export const subscriptionsFacts: StreamFacts<Stripe.Subscription> = {
  identity: { claim: customerRefClaim, follows: true },
  billing: { subscription: subscriptionOf },
  firstSeen: (sub) => iso(obj(sub).created),
};

export const invoicesFacts: StreamFacts<Stripe.Invoice> = {
  identity: { claim: customerRefClaim, follows: true },
  billing: { invoice: invoicePoints },
};

export const pricesFacts: StreamFacts<Stripe.Price> = {
  billing: { price: priceInfo },
};
