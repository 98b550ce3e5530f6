import { addInterval, DAY, HOUR } from './calendar.js';
import { PLAN_SPECS } from './catalog.js';
import type { CompanyModel, Timeline } from './model.js';
import { hashInts, Rng } from './random.js';
import type {
  BillingCustomer,
  BillingEvent,
  BillingInterval,
  BillingInvoice,
  BillingPrice,
  BillingProduct,
  BillingSubscription,
  BillingWorld,
  Plan,
  SubscriptionChangeReason,
  SubscriptionVersion,
} from './types.js';
import { FREE_MAIL_DOMAINS } from './words.js';

type PaidPlan = Exclude<Plan, 'free'>;

/** How far back invoices go: Stripe keeps them all; the dataset keeps about a year and a month. */
const INVOICE_HISTORY = 400 * DAY;
/** Events are generated a little past Stripe's 30-day retention so the simulator's clock can trim them. */
const EVENT_HISTORY = 35 * DAY;

/** A Stripe-looking id: `cus_` + 14 characters, or `sub_1` + 23 for the long forms. */
const stripeId = (rng: Rng, prefix: string, long: boolean) =>
  long ? `${prefix}_1${rng.chars(23)}` : `${prefix}_${rng.chars(14)}`;

/**
 * Stripe's view of the world: the catalogue, customers, subscriptions as a history of versions,
 * invoices and the last weeks of events, all derived from the company stories.
 */
export function buildBilling(worldSeed: number, models: CompanyModel[], tl: Timeline): BillingWorld {
  const ids = new Rng(hashInts(worldSeed, 0x4249));
  const now = tl.nowUnix;
  const catalogueCreated = Math.min(...models.map((m) => m.createdUnix), now - 400 * DAY) - 30 * DAY;

  const products: BillingProduct[] = (['starter', 'pro', 'enterprise'] as const).map((plan, k) => ({
    id: `prod_${ids.chars(14)}`,
    plan,
    name: `Beton Cloud ${PLAN_SPECS[plan].name}`,
    created: catalogueCreated + k * 60,
  }));
  const prices: BillingPrice[] = [];
  for (const product of products) {
    for (const interval of ['month', 'year'] as const) {
      const spec = PLAN_SPECS[product.plan];
      prices.push({
        id: stripeId(ids, 'price', true),
        productId: product.id,
        plan: product.plan,
        interval,
        unitAmount: interval === 'month' ? spec.monthly : spec.yearly,
        currency: 'usd',
        created: product.created + 5,
      });
    }
  }
  const priceFor = (plan: PaidPlan, interval: BillingInterval) =>
    prices.find((p) => p.plan === plan && p.interval === interval)!;

  const customers: BillingCustomer[] = [];
  const subscriptions: BillingSubscription[] = [];
  const invoices: BillingInvoice[] = [];

  for (const model of models) {
    const b = model.billing;
    if (b.subscriptionStart === null || b.initialPlan === null) continue;
    const rng = new Rng(hashInts(worldSeed, 0x4243, model.company.index));
    const first = model.persons[0]!.person;
    const billingPerson = model.persons.find((p) => p.person.department === 'finance')?.person ?? first;
    const email = b.personalBillingEmail
      ? `${first.firstName}.${first.lastName}`.toLowerCase().replace(/[^a-z.]/g, '') +
        `@${rng.pick(FREE_MAIL_DOMAINS)}`
      : billingPerson.email;
    const customer: BillingCustomer = {
      id: stripeId(ids, 'cus', false),
      companyId: model.company.id,
      email,
      name: model.company.name,
      metadataDomain: b.metadataDomain ? model.company.domain : null,
      created: b.subscriptionStart - rng.int(60, 900),
      deleted: b.customerDeletedAt !== null && b.customerDeletedAt <= now ? b.customerDeletedAt : null,
    };
    customers.push(customer);
    model.company.stripeCustomerId = customer.id;

    const versions = subscriptionVersions(rng, model, tl, priceFor);
    const subscription: BillingSubscription = {
      id: stripeId(ids, 'sub', true),
      itemId: `si_${ids.chars(14)}`,
      customerId: customer.id,
      companyId: model.company.id,
      interval: b.interval,
      created: b.subscriptionStart,
      anchor: b.trial ? b.subscriptionStart + 14 * DAY : b.subscriptionStart,
      versions,
    };
    subscriptions.push(subscription);
    invoices.push(...subscriptionInvoices(ids, subscription, prices, now));
  }
  invoices.sort((a, b) => a.created - b.created);
  return {
    products,
    prices,
    customers,
    subscriptions,
    invoices,
    events: billingEvents(ids, customers, subscriptions, invoices, now),
  };
}

interface Change {
  at: number;
  reason: SubscriptionChangeReason;
  apply: (v: SubscriptionVersion) => void;
}

function subscriptionVersions(
  rng: Rng,
  model: CompanyModel,
  tl: Timeline,
  priceFor: (plan: PaidPlan, interval: BillingInterval) => BillingPrice,
): SubscriptionVersion[] {
  const b = model.billing;
  const now = tl.nowUnix;
  const start = b.subscriptionStart!;
  const interval = b.interval;
  const first: SubscriptionVersion = {
    at: start,
    reason: 'created',
    plan: b.initialPlan!,
    priceId: priceFor(b.initialPlan!, interval).id,
    quantity: b.initialSeats,
    status: b.trial ? 'trialing' : 'active',
    trialEnd: b.trial ? start + 14 * DAY : null,
    cancelAt: null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
  };
  const changes: Change[] = [];
  const cancel = (at: number) => (v: SubscriptionVersion) => {
    v.status = 'canceled';
    v.canceledAt = v.canceledAt ?? at;
    v.endedAt = at;
    v.cancelAt = v.cancelAt ?? null;
  };
  if (b.trial && start + 14 * DAY <= now) {
    const end = start + 14 * DAY;
    changes.push(
      b.trialExpired
        ? { at: end, reason: 'canceled', apply: cancel(end) }
        : {
            at: end,
            reason: 'trial_converted',
            apply: (v) => {
              v.status = 'active';
            },
          },
    );
  }
  if (b.seatsRemoved) {
    const { count } = b.seatsRemoved;
    changes.push({
      at: b.seatsRemoved.at,
      reason: 'seats_removed',
      apply: (v) => {
        v.quantity = Math.max(1, v.quantity - count);
      },
    });
  }
  const past = model.past;
  if (past && past.kind !== 'churn' && past.from.plan !== 'free') {
    const to = past.to;
    changes.push({
      at: past.at,
      reason: past.kind === 'upgrade' ? 'upgrade' : 'seats_added',
      apply: (v) => {
        v.plan = to.plan as PaidPlan;
        v.priceId = priceFor(v.plan, interval).id;
        v.quantity = to.seats;
      },
    });
  }
  if (past?.kind === 'churn') {
    if (past.leading.has('future_cancellation')) {
      const scheduledAt = Math.max(start + DAY, past.leadFrom + rng.int(1, 5) * DAY);
      changes.push({
        at: scheduledAt,
        reason: 'cancel_scheduled',
        apply: (v) => {
          v.cancelAt = past.at;
          v.canceledAt = scheduledAt;
        },
      });
    }
    changes.push({ at: past.at, reason: 'canceled', apply: cancel(past.at) });
  }
  if (b.oldChurnAt !== null)
    changes.push({ at: b.oldChurnAt, reason: 'canceled', apply: cancel(b.oldChurnAt) });
  const future = model.future;
  if (future?.kind === 'churn' && future.leading.has('future_cancellation')) {
    const scheduledAt = Math.max(future.leadFrom, now - rng.int(2, 12) * DAY) + rng.int(0, 8) * HOUR;
    const anchor = b.trial ? start + 14 * DAY : start;
    const atPeriodEnd = interval === 'month' && isPeriodBoundary(anchor, future.at);
    changes.push({
      at: Math.min(scheduledAt, now - HOUR),
      reason: 'cancel_scheduled',
      apply: (v) => {
        v.cancelAt = future.at;
        v.cancelAtPeriodEnd = atPeriodEnd;
        v.canceledAt = Math.min(scheduledAt, now - HOUR);
      },
    });
  }
  changes.sort((x, y) => x.at - y.at);
  const versions = [first];
  for (const change of changes) {
    if (change.at > now || change.at <= start) continue;
    const previous = versions[versions.length - 1]!;
    if (previous.status === 'canceled') break;
    const next = { ...previous, at: change.at, reason: change.reason };
    change.apply(next);
    versions.push(next);
  }
  return versions;
}

function isPeriodBoundary(anchor: number, at: number): boolean {
  for (let k = 0; k < 600; k++) {
    const t = addInterval(anchor, 'month', k);
    if (t === at) return true;
    if (t > at) return false;
  }
  return false;
}

/** The version in force at `at`. */
export function versionAt(subscription: BillingSubscription, at: number): SubscriptionVersion | null {
  let found: SubscriptionVersion | null = null;
  for (const v of subscription.versions) {
    if (v.at > at) break;
    found = v;
  }
  return found;
}

function subscriptionInvoices(
  ids: Rng,
  sub: BillingSubscription,
  prices: BillingPrice[],
  now: number,
): BillingInvoice[] {
  const out: BillingInvoice[] = [];
  const unit = (priceId: string) => prices.find((p) => p.id === priceId)!.unitAmount;
  const endedAt = sub.versions[sub.versions.length - 1]!.endedAt ?? Number.POSITIVE_INFINITY;
  const horizon = now - INVOICE_HISTORY;
  const push = (
    created: number,
    reason: BillingInvoice['billingReason'],
    priceId: string,
    quantity: number,
    amount: number,
    periodStart: number,
    periodEnd: number,
  ) => {
    out.push({
      id: stripeId(ids, 'in', true),
      lineId: stripeId(ids, 'il', true),
      customerId: sub.customerId,
      subscriptionId: sub.id,
      priceId,
      quantity,
      amountDue: amount,
      amountPaid: amount,
      status: 'paid',
      billingReason: reason,
      created,
      periodStart,
      periodEnd,
    });
  };
  const first = sub.versions[0]!;
  if (first.trialEnd !== null && sub.created >= horizon) {
    push(sub.created, 'subscription_create', first.priceId, first.quantity, 0, sub.created, first.trialEnd);
  }
  for (let k = 0; ; k++) {
    const start = addInterval(sub.anchor, sub.interval, k);
    if (start >= Math.min(now, endedAt)) break;
    if (start < horizon) continue;
    const v = versionAt(sub, start);
    if (!v || v.status === 'trialing' || v.status === 'canceled') continue;
    const reason = k === 0 && first.trialEnd === null ? 'subscription_create' : 'subscription_cycle';
    push(
      start + 60,
      reason,
      v.priceId,
      v.quantity,
      unit(v.priceId) * v.quantity,
      start,
      addInterval(sub.anchor, sub.interval, k + 1),
    );
  }
  for (let i = 1; i < sub.versions.length; i++) {
    const v = sub.versions[i]!;
    const before = sub.versions[i - 1]!;
    if ((v.reason !== 'upgrade' && v.reason !== 'seats_added') || v.at < horizon) continue;
    let periodStart = sub.anchor;
    for (let k = 0; addInterval(sub.anchor, sub.interval, k + 1) <= v.at; k++)
      periodStart = addInterval(sub.anchor, sub.interval, k + 1);
    const periodEnd = addInterval(periodStart, sub.interval, 1);
    const remaining = (periodEnd - v.at) / (periodEnd - periodStart);
    const amount = Math.round(
      (unit(v.priceId) * v.quantity - unit(before.priceId) * before.quantity) * remaining,
    );
    if (amount > 0) push(v.at + 30, 'subscription_update', v.priceId, v.quantity, amount, v.at, periodEnd);
  }
  return out;
}

function billingEvents(
  ids: Rng,
  customers: BillingCustomer[],
  subscriptions: BillingSubscription[],
  invoices: BillingInvoice[],
  now: number,
): BillingEvent[] {
  const cutoff = now - EVENT_HISTORY;
  const raw: Omit<BillingEvent, 'id'>[] = [];
  for (const c of customers) {
    if (c.created >= cutoff) raw.push({ type: 'customer.created', created: c.created, objectId: c.id });
    if (c.deleted !== null && c.deleted >= cutoff)
      raw.push({ type: 'customer.deleted', created: c.deleted, objectId: c.id });
  }
  for (const s of subscriptions) {
    s.versions.forEach((v, versionIndex) => {
      if (v.at < cutoff) return;
      const type =
        versionIndex === 0
          ? 'customer.subscription.created'
          : v.reason === 'canceled'
            ? 'customer.subscription.deleted'
            : 'customer.subscription.updated';
      raw.push({ type, created: v.at, objectId: s.id, versionIndex });
    });
  }
  for (const inv of invoices) {
    if (inv.created < cutoff) continue;
    raw.push({ type: 'invoice.created', created: inv.created, objectId: inv.id });
    if (inv.status === 'paid' && inv.created + HOUR <= now)
      raw.push({ type: 'invoice.paid', created: inv.created + HOUR, objectId: inv.id });
  }
  raw.sort((a, b) => a.created - b.created || (a.objectId < b.objectId ? -1 : 1));
  return raw.map((e) => ({ id: stripeId(ids, 'evt', true), ...e }));
}
