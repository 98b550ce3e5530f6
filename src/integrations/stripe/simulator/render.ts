import {
  type BillingCustomer,
  type BillingInvoice,
  type BillingPrice,
  type BillingProduct,
  type BillingSubscription,
  PLAN_SPECS,
  periodAt,
  type SubscriptionVersion,
} from '../../../simulators/dataset/index.js';

/**
 * Stripe's wire shapes, after the reference objects (fixtures3.json) of the API version the SDK
 * pins: every field a client may read is present, with Stripe's nulls where the dataset has nothing.
 */

export interface Catalogue {
  price(id: string): BillingPrice;
  product(id: string): BillingProduct;
}

const invoicePrefix = (id: string) =>
  Array.from(id.slice(-8))
    .map((c) => (c.charCodeAt(0) % 16).toString(16))
    .join('')
    .toUpperCase();

export function renderCustomer(c: BillingCustomer, invoiceCount = 0): Record<string, unknown> {
  return {
    id: c.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: c.created,
    currency: 'usd',
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: c.email,
    invoice_prefix: invoicePrefix(c.id),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: c.metadataDomain ? { domain: c.metadataDomain } : {},
    name: c.name,
    next_invoice_sequence: invoiceCount + 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export const renderDeletedCustomer = (id: string) => ({ id, object: 'customer', deleted: true });

export function renderProduct(p: BillingProduct, defaultPrice: string | null): Record<string, unknown> {
  return {
    id: p.id,
    object: 'product',
    active: true,
    created: p.created,
    default_price: defaultPrice,
    description: `${PLAN_SPECS[p.plan].name} plan, billed per seat.`,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: { plan: p.plan },
    name: p.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: 'seat',
    updated: p.created,
    url: null,
  };
}

export function renderPrice(p: BillingPrice): Record<string, unknown> {
  return {
    id: p.id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: p.created,
    currency: p.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: `${p.plan}_${p.interval}ly`,
    metadata: { plan: p.plan, seat_limit: String(PLAN_SPECS[p.plan].seats[1]) },
    nickname: `${PLAN_SPECS[p.plan].name} ${p.interval === 'month' ? 'monthly' : 'yearly'}`,
    product: p.productId,
    recurring: {
      interval: p.interval,
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: p.unitAmount,
    unit_amount_decimal: String(p.unitAmount),
  };
}

/** The legacy `plan` object Stripe still puts on subscription items. */
function renderPlan(p: BillingPrice): Record<string, unknown> {
  return {
    id: p.id,
    object: 'plan',
    active: true,
    amount: p.unitAmount,
    amount_decimal: String(p.unitAmount),
    billing_scheme: 'per_unit',
    created: p.created,
    currency: p.currency,
    interval: p.interval,
    interval_count: 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: p.productId,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

/** The billing period a subscription version shows at `now`. */
export function currentPeriod(
  s: BillingSubscription,
  v: SubscriptionVersion,
  now: number,
): { start: number; end: number } {
  if (v.status === 'trialing' && v.trialEnd !== null) return { start: s.created, end: v.trialEnd };
  const at = v.endedAt !== null ? Math.max(s.anchor, v.endedAt - 1) : now;
  return periodAt(s.anchor, s.interval, Math.max(at, s.anchor));
}

export interface SubscriptionRenderOptions {
  /** Also put `current_period_start/end` on the subscription (API versions before 2025-03-31). */
  legacyPeriodFields: boolean;
  latestInvoice: string | null;
  /** The period, when the caller already knows it (saves recomputing calendar months). */
  period?: { start: number; end: number };
}

export function renderSubscription(
  s: BillingSubscription,
  v: SubscriptionVersion,
  now: number,
  catalogue: Catalogue,
  options: SubscriptionRenderOptions,
): Record<string, unknown> {
  const price = catalogue.price(v.priceId);
  const period = options.period ?? currentPeriod(s, v, now);
  const item = {
    id: s.itemId,
    object: 'subscription_item',
    billing_thresholds: null,
    created: s.created,
    current_period_end: period.end,
    current_period_start: period.start,
    discounts: [],
    metadata: {},
    plan: renderPlan(price),
    price: renderPrice(price),
    quantity: v.quantity,
    subscription: s.id,
    tax_rates: [],
  };
  return {
    id: s.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: s.anchor,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'classic' },
    billing_thresholds: null,
    cancel_at: v.cancelAt,
    cancel_at_period_end: v.cancelAtPeriodEnd,
    canceled_at: v.canceledAt,
    cancellation_details: {
      comment: null,
      feedback: null,
      reason: v.canceledAt !== null ? 'cancellation_requested' : null,
    },
    collection_method: 'charge_automatically',
    created: s.created,
    currency: 'usd',
    ...(options.legacyPeriodFields
      ? { current_period_end: period.end, current_period_start: period.start }
      : {}),
    customer: s.customerId,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: v.endedAt,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: [item],
      has_more: false,
      total_count: 1,
      url: `/v1/subscription_items?subscription=${s.id}`,
    },
    latest_invoice: options.latestInvoice,
    livemode: false,
    metadata: { plan: v.plan },
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: s.created,
    status: v.status,
    test_clock: null,
    transfer_data: null,
    trial_end: v.trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: v.trialEnd !== null ? s.created : null,
  };
}

export function renderInvoice(
  inv: BillingInvoice,
  customer: BillingCustomer | undefined,
  subscriptionItemId: string,
  catalogue: Catalogue,
  number: number,
  asCreated = false,
): Record<string, unknown> {
  const price = catalogue.price(inv.priceId);
  const product = catalogue.product(price.productId);
  const paid = inv.status === 'paid' && !asCreated;
  const amountPaid = paid ? inv.amountPaid : 0;
  const proration = inv.billingReason === 'subscription_update';
  const line = {
    id: inv.lineId,
    object: 'line_item',
    amount: inv.amountDue,
    currency: 'usd',
    description: proration
      ? `Remaining time on ${inv.quantity} × ${product.name}`
      : `${inv.quantity} × ${product.name} (at $${(price.unitAmount / 100).toFixed(2)} / ${price.interval})`,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: inv.id,
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration,
        proration_details: { credited_items: null },
        subscription: inv.subscriptionId,
        subscription_item: subscriptionItemId,
      },
    },
    period: { end: inv.periodEnd, start: inv.periodStart },
    pretax_credit_amounts: [],
    pricing: {
      type: 'price_details',
      price_details: { price: price.id, product: product.id },
      unit_amount_decimal: String(price.unitAmount),
    },
    quantity: inv.quantity,
    subtotal: inv.amountDue,
    taxes: [],
  };
  return {
    id: inv.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Beton Demo',
    account_tax_ids: null,
    amount_due: inv.amountDue,
    amount_overpaid: 0,
    amount_paid: amountPaid,
    amount_remaining: inv.amountDue - amountPaid,
    amount_shipping: 0,
    application: null,
    attempt_count: paid ? 1 : 0,
    attempted: paid,
    auto_advance: !paid,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: inv.billingReason,
    collection_method: 'charge_automatically',
    created: inv.created,
    currency: 'usd',
    custom_fields: null,
    customer: inv.customerId,
    customer_address: null,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: inv.created,
    ending_balance: paid ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: 'list',
      data: [line],
      has_more: false,
      total_count: 1,
      url: `/v1/invoices/${inv.id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: customer ? `${invoicePrefix(customer.id)}-${String(number).padStart(4, '0')}` : null,
    on_behalf_of: null,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: {}, subscription: inv.subscriptionId },
    },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: inv.periodEnd,
    period_start: inv.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: paid ? 'paid' : 'open',
    status_transitions: {
      finalized_at: inv.created,
      marked_uncollectible_at: null,
      paid_at: paid ? inv.created + 3600 : null,
      voided_at: null,
    },
    subscription: inv.subscriptionId,
    subtotal: inv.amountDue,
    subtotal_excluding_tax: inv.amountDue,
    test_clock: null,
    total: inv.amountDue,
    total_discount_amounts: [],
    total_excluding_tax: inv.amountDue,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: inv.created,
  };
}
