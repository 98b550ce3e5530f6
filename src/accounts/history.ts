import { fromUnix, toMs } from './days.js';
import { normalizeEmail } from './domains.js';
import type { AccountHistory, BillingPoint, NpsAnswer, PersonFact, SubscriptionHistory } from './facts.js';

/**
 * Build an account's time-indexed history from the source records linked to it, shaped per
 * docs/data-model.md. Tolerant by design: a field a source leaves out becomes null, never a guess.
 */

export interface SourceRecord {
  integration: string;
  stream: string;
  externalId: string;
  payload: unknown;
  syncedAt: string;
  deletedAt: string | null;
}

/** A Stripe price reduced to what billing maths needs. */
export interface PriceInfo {
  unitAmount: number | null;
  currency: string | null;
  interval: SubscriptionHistory['interval'];
  intervalCount: number;
  plan: string | null;
  seatLimit: number | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const iso = (v: unknown): string | null => fromUnix(v);

/** Currencies Stripe counts in whole units (no cents). */
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
const perYear = (interval: SubscriptionHistory['interval'], count: number) =>
  interval ? PERIODS_PER_YEAR[interval] / Math.max(1, count) : 0;

const asInterval = (v: unknown): SubscriptionHistory['interval'] =>
  v === 'day' || v === 'week' || v === 'month' || v === 'year' ? v : null;

/**
 * Reduce a Stripe price (with its product expanded or not) to billing facts.
 *
 * @example priceInfo({ unit_amount: 2000, recurring: { interval: 'month' }, metadata: { plan: 'pro', seat_limit: '10' } })
 */
export function priceInfo(price: unknown): PriceInfo {
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

function priceOf(
  ref: unknown,
  prices: ReadonlyMap<string, PriceInfo>,
): { id: string | null; info: PriceInfo | null } {
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

function parseSubscription(payload: unknown, prices: ReadonlyMap<string, PriceInfo>): SubscriptionHistory {
  const s = obj(payload);
  const meta = obj(s.metadata);
  const items = arr(obj(s.items).data).map(obj);
  let seats = 0;
  let arrTotal = 0;
  let plan: string | null = str(meta.plan);
  let seatLimit: number | null = num(meta.seat_limit);
  let interval: SubscriptionHistory['interval'] = null;
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

function parseInvoiceLines(invoice: Obj, prices: ReadonlyMap<string, PriceInfo>): InvoiceLine[] {
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
function invoicePoints(invoice: Obj, prices: ReadonlyMap<string, PriceInfo>): Map<string, BillingPoint> {
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

function parsePerson(payload: unknown): PersonFact {
  const p = obj(payload);
  const props = obj(p.properties);
  return {
    id: str(p.id) ?? str(p.uuid) ?? '',
    email: normalizeEmail(props.email),
    name: str(props.name),
    title: str(props.title) ?? str(props.job_title),
    department: str(props.department),
    createdAt: iso(p.created_at),
    lastSeenAt: iso(p.last_seen_at),
  };
}

function parseNps(payload: unknown): NpsAnswer | null {
  const r = obj(payload);
  const score = num(r.score);
  const at = iso(r.timestamp);
  if (score === null || at === null || score < 0 || score > 10) return null;
  return { at, score, email: normalizeEmail(r.person_email) };
}

const earliest = (values: (string | null)[]) =>
  values.filter((v): v is string => v !== null).sort((a, b) => toMs(a) - toMs(b))[0] ?? null;

/**
 * The history of one account from its linked records; `prices` are the workspace's Stripe prices.
 *
 * @example
 * const history = buildHistory(records, priceMap);
 * history.subscriptions[0]?.points; // paid invoices as billing points
 */
export function buildHistory(
  records: readonly SourceRecord[],
  prices: ReadonlyMap<string, PriceInfo>,
): AccountHistory {
  const persons: PersonFact[] = [];
  const nps: NpsAnswer[] = [];
  const subs = new Map<string, SubscriptionHistory>();
  const invoices: Obj[] = [];
  const seen: (string | null)[] = [];
  let observedAt = '';
  for (const r of records) {
    if (r.syncedAt > observedAt) observedAt = r.syncedAt;
    const key = `${r.integration}/${r.stream}`;
    if (key === 'posthog/persons') {
      if (r.deletedAt) continue;
      const person = parsePerson(r.payload);
      persons.push(person);
      seen.push(person.createdAt);
    } else if (key === 'posthog/groups') {
      seen.push(iso(obj(r.payload).created_at));
    } else if (key === 'stripe/customers') {
      seen.push(iso(obj(r.payload).created));
    } else if (key === 'stripe/subscriptions') {
      const sub = parseSubscription(r.payload, prices);
      if (sub.id) subs.set(sub.id, sub);
      seen.push(sub.createdAt);
    } else if (key === 'stripe/invoices') {
      if (!r.deletedAt) invoices.push(obj(r.payload));
    } else if (key === 'posthog/survey_responses') {
      const answer = parseNps(r.payload);
      if (answer) nps.push(answer);
    }
  }
  for (const invoice of invoices) {
    for (const [subId, point] of invoicePoints(invoice, prices)) subs.get(subId)?.points.push(point);
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
  };
}
