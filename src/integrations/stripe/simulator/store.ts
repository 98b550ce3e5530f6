import Stripe from 'stripe';
import type {
  BillingCustomer,
  BillingEventType,
  BillingInvoice,
  BillingPrice,
  BillingProduct,
  BillingSubscription,
  BillingWorld,
  SubscriptionVersion,
} from '../../../simulators/dataset/index.js';
import { versionAt } from '../../../simulators/dataset/index.js';
import type { Rng } from '../../../simulators/dataset/random.js';
import type { SimClock } from '../../../simulators/kit/index.js';
import {
  type Catalogue,
  currentPeriod,
  renderCustomer,
  renderInvoice,
  renderPrice,
  renderProduct,
  renderSubscription,
} from './render.js';

export interface StoredEvent {
  id: string;
  type: BillingEventType | string;
  created: number;
  objectId: string;
  versionIndex?: number;
  /** Runtime events carry the object as it was when they happened. */
  snapshot?: Record<string, unknown>;
  previous?: Record<string, unknown>;
}

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const missing = (kind: string, id: string, param = 'id') =>
  new StripeError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);

export interface SubscriptionPatch {
  quantity?: number;
  price?: string;
  cancelAtPeriodEnd?: boolean;
  /** Unix seconds, or null to withdraw a scheduled cancellation. */
  cancelAt?: number | null;
}

/**
 * Stripe's state in the simulator: a private copy of the dataset's billing world that requests can
 * change. Every change appends the event Stripe would emit, so incremental syncs can see it.
 */
export class StripeStore implements Catalogue {
  /** Newest first, as Stripe lists them. */
  readonly customers: BillingCustomer[];
  readonly subscriptions: BillingSubscription[];
  readonly invoices: BillingInvoice[];
  readonly prices: BillingPrice[];
  readonly products: BillingProduct[];
  /** Newest first, like the other lists. */
  readonly events: StoredEvent[];
  legacyPeriodFields = false;
  private readonly customerById = new Map<string, BillingCustomer>();
  private readonly subscriptionById = new Map<string, BillingSubscription>();
  private readonly invoiceById = new Map<string, BillingInvoice>();
  private readonly priceById: Map<string, BillingPrice>;
  private readonly productById: Map<string, BillingProduct>;
  private readonly invoiceNumbers = new Map<string, number>();
  private readonly invoiceCount = new Map<string, number>();
  private readonly latestInvoice = new Map<string, string>();
  private readonly eventById = new Map<string, StoredEvent>();
  private readonly listeners: ((event: StoredEvent) => void)[] = [];
  private readonly periods = new WeakMap<SubscriptionVersion, { start: number; end: number }>();
  private readonly jsonCache = new WeakMap<object, { stamp: string; json: string }>();

  constructor(
    billing: BillingWorld,
    private readonly clock: SimClock,
    private readonly ids: Rng,
  ) {
    const newestFirst = <T extends { created: number }>(items: T[]) =>
      items
        .map((x, k) => ({ x, k }))
        .sort((a, b) => b.x.created - a.x.created || b.k - a.k)
        .map(({ x }) => x);
    this.customers = newestFirst(billing.customers.map((c) => ({ ...c })));
    this.subscriptions = newestFirst(billing.subscriptions.map((s) => ({ ...s, versions: [...s.versions] })));
    this.invoices = newestFirst(billing.invoices.map((i) => ({ ...i })));
    this.prices = newestFirst(billing.prices.map((p) => ({ ...p })));
    this.products = newestFirst(billing.products.map((p) => ({ ...p })));
    this.events = billing.events.map((e) => ({ ...e })).reverse();
    for (const c of this.customers) this.customerById.set(c.id, c);
    for (const s of this.subscriptions) this.subscriptionById.set(s.id, s);
    this.priceById = new Map(this.prices.map((p) => [p.id, p]));
    this.productById = new Map(this.products.map((p) => [p.id, p]));
    for (const e of this.events) this.eventById.set(e.id, e);
    // Invoice numbers count up per customer, oldest first.
    for (let k = this.invoices.length - 1; k >= 0; k--) {
      const inv = this.invoices[k]!;
      this.invoiceById.set(inv.id, inv);
      const n = (this.invoiceCount.get(inv.customerId) ?? 0) + 1;
      this.invoiceCount.set(inv.customerId, n);
      this.invoiceNumbers.set(inv.id, n);
      this.latestInvoice.set(inv.subscriptionId, inv.id);
    }
  }

  // --- catalogue ---------------------------------------------------------------------------------

  price(id: string): BillingPrice {
    const p = this.priceById.get(id);
    if (!p) throw missing('price', id);
    return p;
  }

  product(id: string): BillingProduct {
    const p = this.productById.get(id);
    if (!p) throw missing('product', id);
    return p;
  }

  customer(id: string): BillingCustomer {
    const c = this.customerById.get(id);
    if (!c) throw missing('customer', id);
    return c;
  }

  subscription(id: string): BillingSubscription {
    const s = this.subscriptionById.get(id);
    if (!s) throw missing('subscription', id);
    return s;
  }

  invoice(id: string): BillingInvoice {
    const i = this.invoiceById.get(id);
    if (!i) throw missing('invoice', id);
    return i;
  }

  event(id: string): StoredEvent {
    const e = this.eventById.get(id);
    if (!e) throw missing('event', id);
    return e;
  }

  currentVersion(s: BillingSubscription): SubscriptionVersion {
    return s.versions[s.versions.length - 1]!;
  }

  // --- rendering ---------------------------------------------------------------------------------

  renderCustomer(c: BillingCustomer): Record<string, unknown> {
    return renderCustomer(c, this.invoiceCount.get(c.id) ?? 0);
  }

  /** The billing period a version shows at `at`, remembered: it holds for a month or a year. */
  private periodOf(s: BillingSubscription, version: SubscriptionVersion, at: number) {
    const cached = this.periods.get(version);
    const period = cached && at >= cached.start && at < cached.end ? cached : currentPeriod(s, version, at);
    if (period !== cached) this.periods.set(version, period);
    return period;
  }

  /**
   * The JSON text of an object in a list, reused while its `stamp` (everything it renders from that
   * can change) stays the same: a 100-object page is then a join, not 100 renders and a stringify.
   */
  private cachedJson(object: object, stamp: string, render: () => unknown): string {
    const hit = this.jsonCache.get(object);
    if (hit?.stamp === stamp) return hit.json;
    const json = JSON.stringify(render());
    this.jsonCache.set(object, { stamp, json });
    return json;
  }

  customerJson(c: BillingCustomer): string {
    const stamp = `${c.email}|${c.name}|${c.metadataDomain}|${c.deleted}|${this.invoiceCount.get(c.id) ?? 0}`;
    return this.cachedJson(c, stamp, () => this.renderCustomer(c));
  }

  subscriptionJson(s: BillingSubscription): string {
    const version = this.currentVersion(s);
    const period = this.periodOf(s, version, this.clock.nowUnix());
    const stamp = `${s.versions.length}|${period.start}|${this.latestInvoice.get(s.id)}|${this.legacyPeriodFields}`;
    return this.cachedJson(s, stamp, () => this.renderSubscription(s, version));
  }

  invoiceJson(inv: BillingInvoice): string {
    const c = this.customerById.get(inv.customerId);
    return this.cachedJson(inv, `${c?.email}|${c?.name}`, () => this.renderInvoice(inv));
  }

  renderSubscription(s: BillingSubscription, version = this.currentVersion(s), at = this.clock.nowUnix()) {
    const period = this.periodOf(s, version, at);
    return renderSubscription(s, version, at, this, {
      legacyPeriodFields: this.legacyPeriodFields,
      latestInvoice: this.latestInvoice.get(s.id) ?? null,
      period,
    });
  }

  renderInvoice(inv: BillingInvoice, asCreated = false) {
    const s = this.subscriptionById.get(inv.subscriptionId);
    return renderInvoice(
      inv,
      this.customerById.get(inv.customerId),
      s?.itemId ?? '',
      this,
      this.invoiceNumbers.get(inv.id) ?? 1,
      asCreated,
    );
  }

  renderPrice(p: BillingPrice) {
    return renderPrice(p);
  }

  renderProduct(p: BillingProduct) {
    const defaultPrice = this.prices.find((x) => x.productId === p.id && x.interval === 'month')?.id ?? null;
    return renderProduct(p, defaultPrice);
  }

  renderEvent(e: StoredEvent): Record<string, unknown> {
    let object: Record<string, unknown>;
    let previous: Record<string, unknown> | undefined = e.previous;
    if (e.snapshot) object = e.snapshot;
    else if (e.type.startsWith('customer.subscription.')) {
      const s = this.subscription(e.objectId);
      const index = e.versionIndex ?? s.versions.length - 1;
      object = this.renderSubscription(s, s.versions[index]!, e.created);
      if (e.type === 'customer.subscription.updated' && index > 0) {
        previous = changedAttributes(this.renderSubscription(s, s.versions[index - 1]!, e.created), object);
      }
    } else if (e.type.startsWith('customer.')) object = this.renderCustomer(this.customer(e.objectId));
    else object = this.renderInvoice(this.invoice(e.objectId), e.type === 'invoice.created');
    return {
      id: e.id,
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: e.created,
      data: previous ? { object, previous_attributes: previous } : { object },
      livemode: false,
      pending_webhooks: 0,
      request: { id: e.snapshot ? `req_${e.id.slice(-14)}` : null, idempotency_key: null },
      type: e.type,
    };
  }

  onEvent(listener: (event: StoredEvent) => void): void {
    this.listeners.push(listener);
  }

  // --- changes -----------------------------------------------------------------------------------

  private emit(
    type: string,
    objectId: string,
    snapshot: Record<string, unknown>,
    previous?: Record<string, unknown>,
  ): StoredEvent {
    const event: StoredEvent = {
      id: `evt_1${this.ids.chars(23)}`,
      type,
      created: this.clock.nowUnix(),
      objectId,
      snapshot,
      ...(previous && Object.keys(previous).length > 0 ? { previous } : {}),
    };
    this.events.unshift(event);
    this.eventById.set(event.id, event);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  createCustomer(input: {
    email?: string;
    name?: string;
    metadata?: Record<string, string>;
  }): BillingCustomer {
    const c: BillingCustomer = {
      id: `cus_${this.ids.chars(14)}`,
      companyId: '',
      email: input.email ?? '',
      name: input.name ?? '',
      metadataDomain: input.metadata?.domain ?? null,
      created: this.clock.nowUnix(),
      deleted: null,
    };
    this.customers.unshift(c);
    this.customerById.set(c.id, c);
    this.emit('customer.created', c.id, this.renderCustomer(c));
    return c;
  }

  updateCustomer(
    id: string,
    patch: { email?: string; name?: string; metadata?: Record<string, string> },
  ): BillingCustomer {
    const c = this.liveCustomer(id);
    const before = this.renderCustomer(c);
    if (patch.email !== undefined) c.email = patch.email;
    if (patch.name !== undefined) c.name = patch.name;
    if (patch.metadata?.domain !== undefined) c.metadataDomain = patch.metadata.domain || null;
    const after = this.renderCustomer(c);
    this.emit('customer.updated', c.id, after, changedAttributes(before, after));
    return c;
  }

  /** Delete a customer: its live subscriptions end at once, as in Stripe. */
  deleteCustomer(id: string): BillingCustomer {
    const c = this.liveCustomer(id);
    for (const s of this.subscriptions) {
      if (s.customerId === id && this.currentVersion(s).status !== 'canceled') this.cancelSubscription(s.id);
    }
    const snapshot = this.renderCustomer(c);
    c.deleted = this.clock.nowUnix();
    this.emit('customer.deleted', c.id, snapshot);
    return c;
  }

  createSubscription(input: {
    customer: string;
    price: string;
    quantity?: number;
    trialDays?: number;
  }): BillingSubscription {
    const customer = this.liveCustomer(input.customer, 'customer');
    const price = this.price(input.price);
    const now = this.clock.nowUnix();
    const trialEnd = input.trialDays ? now + input.trialDays * 86_400 : null;
    const s: BillingSubscription = {
      id: `sub_1${this.ids.chars(23)}`,
      itemId: `si_${this.ids.chars(14)}`,
      customerId: customer.id,
      companyId: customer.companyId,
      interval: price.interval,
      created: now,
      anchor: trialEnd ?? now,
      versions: [
        {
          at: now,
          reason: 'created',
          plan: price.plan,
          priceId: price.id,
          quantity: input.quantity ?? 1,
          status: trialEnd ? 'trialing' : 'active',
          trialEnd,
          cancelAt: null,
          cancelAtPeriodEnd: false,
          canceledAt: null,
          endedAt: null,
        },
      ],
    };
    this.subscriptions.unshift(s);
    this.subscriptionById.set(s.id, s);
    this.emit('customer.subscription.created', s.id, this.renderSubscription(s));
    if (!trialEnd) this.invoiceFor(s, 'subscription_create');
    return s;
  }

  updateSubscription(id: string, patch: SubscriptionPatch): BillingSubscription {
    const s = this.subscription(id);
    const current = this.currentVersion(s);
    if (current.status === 'canceled') {
      throw new StripeError(
        400,
        'invalid_request_error',
        'A canceled subscription can only update its cancellation_details and metadata.',
      );
    }
    const now = this.clock.nowUnix();
    const next: SubscriptionVersion = { ...current, at: now, reason: 'seats_added' };
    if (patch.quantity !== undefined) {
      if (!Number.isInteger(patch.quantity) || patch.quantity < 0) {
        throw new StripeError(
          400,
          'invalid_request_error',
          `Invalid integer: ${patch.quantity}`,
          undefined,
          'items[0][quantity]',
        );
      }
      next.quantity = patch.quantity;
      next.reason = patch.quantity >= current.quantity ? 'seats_added' : 'seats_removed';
    }
    if (patch.price !== undefined) {
      const price = this.price(patch.price);
      next.priceId = price.id;
      const rank = ['starter', 'pro', 'enterprise'];
      next.reason = rank.indexOf(price.plan) >= rank.indexOf(current.plan) ? 'upgrade' : 'downgrade';
      next.plan = price.plan;
    }
    if (patch.cancelAtPeriodEnd !== undefined) {
      next.cancelAtPeriodEnd = patch.cancelAtPeriodEnd;
      next.cancelAt = patch.cancelAtPeriodEnd ? currentPeriod(s, current, now).end : null;
      next.canceledAt = patch.cancelAtPeriodEnd ? now : null;
      next.reason = patch.cancelAtPeriodEnd ? 'cancel_scheduled' : 'cancel_withdrawn';
    }
    if (patch.cancelAt !== undefined) {
      next.cancelAt = patch.cancelAt;
      next.cancelAtPeriodEnd = false;
      next.canceledAt = patch.cancelAt === null ? null : now;
      next.reason = patch.cancelAt === null ? 'cancel_withdrawn' : 'cancel_scheduled';
    }
    const before = this.renderSubscription(s);
    s.versions.push(next);
    const after = this.renderSubscription(s);
    this.emit('customer.subscription.updated', s.id, after, changedAttributes(before, after));
    if (next.reason === 'upgrade' || (next.reason === 'seats_added' && next.quantity > current.quantity)) {
      this.invoiceFor(s, 'subscription_update', current);
    }
    return s;
  }

  cancelSubscription(id: string): BillingSubscription {
    const s = this.subscription(id);
    const current = this.currentVersion(s);
    if (current.status === 'canceled') {
      throw new StripeError(
        400,
        'invalid_request_error',
        `This subscription is already canceled: '${id}'`,
        'resource_missing',
      );
    }
    const now = this.clock.nowUnix();
    s.versions.push({
      ...current,
      at: now,
      reason: 'canceled',
      status: 'canceled',
      canceledAt: current.canceledAt ?? now,
      endedAt: now,
    });
    this.emit('customer.subscription.deleted', s.id, this.renderSubscription(s));
    return s;
  }

  private liveCustomer(id: string, param = 'id'): BillingCustomer {
    const c = this.customerById.get(id);
    if (!c || c.deleted !== null) throw missing('customer', id, param);
    return c;
  }

  private invoiceFor(
    s: BillingSubscription,
    reason: BillingInvoice['billingReason'],
    before?: SubscriptionVersion,
  ): void {
    const v = this.currentVersion(s);
    const now = this.clock.nowUnix();
    const period = currentPeriod(s, v, now);
    const unit = this.price(v.priceId).unitAmount;
    let amount = unit * v.quantity;
    if (before) {
      const remaining = Math.max(0, (period.end - now) / (period.end - period.start));
      amount = Math.max(
        0,
        Math.round((amount - this.price(before.priceId).unitAmount * before.quantity) * remaining),
      );
    }
    const inv: BillingInvoice = {
      id: `in_1${this.ids.chars(23)}`,
      lineId: `il_1${this.ids.chars(23)}`,
      customerId: s.customerId,
      subscriptionId: s.id,
      priceId: v.priceId,
      quantity: v.quantity,
      amountDue: amount,
      amountPaid: amount,
      status: 'paid',
      billingReason: reason,
      created: now,
      periodStart: before ? now : period.start,
      periodEnd: period.end,
    };
    this.invoices.unshift(inv);
    this.invoiceById.set(inv.id, inv);
    const n = (this.invoiceCount.get(inv.customerId) ?? 0) + 1;
    this.invoiceCount.set(inv.customerId, n);
    this.invoiceNumbers.set(inv.id, n);
    this.latestInvoice.set(s.id, inv.id);
    this.emit('invoice.created', inv.id, this.renderInvoice(inv, true));
    this.emit('invoice.paid', inv.id, this.renderInvoice(inv));
  }

  /** The version of a subscription at a time (for tests comparing states). */
  versionAt(id: string, at: number): SubscriptionVersion | null {
    return versionAt(this.subscription(id), at);
  }
}

/** The API version the simulator speaks: the one the installed SDK pins. */
export const STRIPE_API_VERSION: string = Stripe.API_VERSION;

/** Stripe's `previous_attributes`: the top-level fields that changed, with their old values. */
export function changedAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key] ?? null;
  }
  return out;
}
