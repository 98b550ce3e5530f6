/**
 * The public shape of the synthetic world: one B2B SaaS company's customers as PostHog, Stripe,
 * Apollo and Attio would each see them. The simulators render these facts into each service's wire
 * format; tests and benchmarks read `truth` to check what detectors found. Detectors never see this
 * module: they read only what the integrations synced into `records`.
 *
 * Conventions: times are ISO-8601 UTC strings (`createdAt`), except on the Stripe side where they
 * are unix seconds like Stripe's own `created`; days are `YYYY-MM-DD` (UTC).
 */

export type Plan = 'free' | 'starter' | 'pro' | 'enterprise';

/** Plans in upgrade order: a move to a higher index is an upgrade. */
export const PLANS: readonly Plan[] = ['free', 'starter', 'pro', 'enterprise'];

export type BillingInterval = 'month' | 'year';

export interface Trial {
  plan: Plan;
  startedAt: string;
  endsAt: string;
  /** `active` while it runs at "now"; afterwards `converted` (became paid) or `expired` (back to free). */
  status: 'active' | 'converted' | 'expired';
}

export interface Company {
  /** Stable id inside the dataset: `co_000042`. */
  id: string;
  /** Position in `Dataset.companies` (0-based). */
  index: number;
  name: string;
  /** Bare registrable domain (`acme-analytics.io`); the PostHog company group key. */
  domain: string;
  industry: string;
  employees: number;
  /** USD per year. */
  annualRevenue: number;
  /** ISO 3166-1 alpha-2. */
  country: string;
  city: string;
  foundedYear: number;
  /** Plan at "now". */
  plan: Plan;
  /** Seats at "now": the subscription quantity on paid plans, the plan's fixed limit on free. */
  seatLimit: number;
  /** When the company signed up for the product (first person created). */
  createdAt: string;
  trial: Trial | null;
  /** Stripe customer id when the company has (or had) one; free companies often have none. */
  stripeCustomerId: string | null;
}

export type Seniority = 'ic' | 'manager' | 'director' | 'vp' | 'c_level';

export type Department =
  | 'engineering'
  | 'product'
  | 'design'
  | 'marketing'
  | 'sales'
  | 'customer_success'
  | 'finance'
  | 'operations'
  | 'data'
  | 'executive';

export interface Person {
  /** PostHog person id (a UUID). */
  id: string;
  /** The distinct id events carry (the first entry of the PostHog person's `distinct_ids`). */
  distinctId: string;
  companyId: string;
  email: string;
  /** True when the email is on a free-mail domain (gmail.com, …) rather than the company domain. */
  freeMail: boolean;
  firstName: string;
  lastName: string;
  title: string;
  seniority: Seniority;
  department: Department;
  createdAt: string;
  /** Last day with any event, or `createdAt` when the person never came back. */
  lastSeenAt: string;
}

// ---------------------------------------------------------------------------------------------
// Stripe side. Ids look like Stripe's (`cus_…`, `sub_…`); times are unix seconds.

export interface BillingProduct {
  id: string;
  plan: Exclude<Plan, 'free'>;
  name: string;
  created: number;
}

export interface BillingPrice {
  id: string;
  productId: string;
  plan: Exclude<Plan, 'free'>;
  interval: BillingInterval;
  /** Per seat, in cents. */
  unitAmount: number;
  currency: 'usd';
  created: number;
}

export interface BillingCustomer {
  id: string;
  companyId: string;
  /** Billing contact; sometimes a free-mail address (identity resolution must cope). */
  email: string;
  name: string;
  /** Present on most customers: `metadata.domain` in Stripe. */
  metadataDomain: string | null;
  created: number;
  /** Set when the customer was deleted in Stripe before "now" (the list no longer shows it). */
  deleted: number | null;
}

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceled';

export type SubscriptionChangeReason =
  | 'created'
  | 'trial_converted'
  | 'upgrade'
  | 'downgrade'
  | 'seats_added'
  | 'seats_removed'
  | 'cancel_scheduled'
  | 'cancel_withdrawn'
  | 'canceled';

/** The subscription as it stood from `at` until the next version. */
export interface SubscriptionVersion {
  at: number;
  reason: SubscriptionChangeReason;
  plan: Exclude<Plan, 'free'>;
  priceId: string;
  /** Seats. */
  quantity: number;
  status: SubscriptionStatus;
  trialEnd: number | null;
  /** Scheduled end (Stripe `cancel_at`), set while a cancellation is pending. */
  cancelAt: number | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: number | null;
  endedAt: number | null;
}

export interface BillingSubscription {
  id: string;
  /** The single subscription item (`si_…`): Beton's customers bill one seat-priced item. */
  itemId: string;
  customerId: string;
  companyId: string;
  interval: BillingInterval;
  created: number;
  /** Billing cycle anchor: periods run anchor + k × interval. */
  anchor: number;
  /** Ordered by `at`; the first has reason `created`. Only versions with `at` ≤ now are in the world. */
  versions: SubscriptionVersion[];
}

export interface BillingInvoice {
  id: string;
  lineId: string;
  customerId: string;
  subscriptionId: string;
  priceId: string;
  quantity: number;
  /** Cents. */
  amountDue: number;
  amountPaid: number;
  status: 'paid' | 'open';
  billingReason: 'subscription_create' | 'subscription_cycle' | 'subscription_update';
  created: number;
  periodStart: number;
  periodEnd: number;
}

export type BillingEventType =
  | 'customer.created'
  | 'customer.updated'
  | 'customer.deleted'
  | 'customer.subscription.created'
  | 'customer.subscription.updated'
  | 'customer.subscription.deleted'
  | 'invoice.created'
  | 'invoice.paid';

/**
 * One Stripe event. The simulator renders `data.object` as the object stood at `created` and
 * `data.previous_attributes` from the version before it.
 */
export interface BillingEvent {
  id: string;
  type: BillingEventType;
  created: number;
  objectId: string;
  /** For subscription events: the index in `versions` this event announces. */
  versionIndex?: number;
}

export interface BillingWorld {
  products: BillingProduct[];
  prices: BillingPrice[];
  customers: BillingCustomer[];
  subscriptions: BillingSubscription[];
  invoices: BillingInvoice[];
  /** Every event since 35 days before "now" (the simulator applies Stripe's 30-day retention). */
  events: BillingEvent[];
}

// ---------------------------------------------------------------------------------------------
// Product usage (PostHog).

/** Event names the dataset emits; `$pageview` carries `$pathname`. */
export const USAGE_EVENTS = [
  '$pageview',
  'feature_used',
  'report_created',
  'user_invited',
  'onboarding_completed',
  'usage_limit_warning',
  'survey sent',
] as const;
export type UsageEvent = (typeof USAGE_EVENTS)[number];

/** Page paths the dataset's pageviews use; `/pricing` and `/upgrade` are buying intent. */
export const PAGE_PATHS = ['/dashboard', '/reports', '/settings', '/team', '/pricing', '/upgrade'] as const;
export type PagePath = (typeof PAGE_PATHS)[number];

/**
 * A run of identical events: one person, one event (and path), one UTC day, `count` times. The
 * PostHog simulator expands runs into event rows; they are coalesced here so a 20,000-company world
 * never holds millions of event objects. `timestamp` is the first occurrence that day.
 */
export interface EventRun {
  uuid: string;
  event: UsageEvent;
  /** `$pathname` for pageviews, otherwise null. */
  path: PagePath | null;
  personId: string;
  distinctId: string;
  companyId: string;
  /** The company group key (`$group_0`): its domain. */
  groupKey: string;
  timestamp: string;
  /** `timestamp` as unix milliseconds. */
  time: number;
  count: number;
  /** Extra event properties (feature name, survey id and `$survey_response`). */
  properties: Record<string, string | number>;
}

/** One row of the `usage_daily` contract: company × UTC day × event name (pageviews split by path). */
export interface UsageDay {
  groupKey: string;
  day: string;
  /** `$pageview`, `$pageview:/pricing`, `$pageview:/upgrade`, or another event name. */
  event: string;
  count: number;
  persons: number;
}

export interface NpsAnswer {
  /** The `survey sent` event's uuid. */
  uuid: string;
  surveyId: string;
  personId: string;
  companyId: string;
  timestamp: string;
  /** 0–10. */
  score: number;
}

/** Lazy access to usage: generated per company and day on demand, deterministic. */
export interface UsageSource {
  /** The UTC days with usage, oldest first (`days` entries ending the day before "now"). */
  readonly days: readonly string[];
  /** Event runs of one company on one day (day index into `days`). */
  runs(companyIndex: number, dayIndex: number): EventRun[];
  /** The same day folded into `usage_daily` rows, sorted by event. */
  daily(companyIndex: number, dayIndex: number): UsageDay[];
}

// ---------------------------------------------------------------------------------------------
// Apollo (firmographics) and Attio (CRM).

/** What Apollo's organization enrichment answers for a domain. */
export interface Firmographic {
  domain: string;
  /** False for domains Apollo does not know: it answers `{organization: null}` and costs no credit. */
  found: boolean;
  organization: {
    id: string;
    name: string;
    primaryDomain: string;
    websiteUrl: string;
    industry: string;
    /** Apollo's estimate: close to, not always equal to, the company's real headcount. */
    estimatedNumEmployees: number;
    annualRevenue: number;
    totalFunding: number | null;
    latestFundingStage: string | null;
    foundedYear: number;
    country: string;
    city: string;
    technologyNames: string[];
    linkedinUrl: string;
    shortDescription: string;
  } | null;
}

/** Who set a CRM value: a person in the CRM, an API token (an integration such as Beton), or the system. */
export interface CrmActor {
  type: 'workspace-member' | 'api-token' | 'system';
  id: string;
}

export interface CrmMember {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface CrmValue {
  /** Attribute slug, e.g. `name`, `domains`, `categories`, `beton_grade`. */
  attribute: string;
  value: string | number | boolean | string[];
  actor: CrmActor;
  activeFrom: string;
}

export interface CrmCompany {
  /** Attio record id (a UUID). */
  recordId: string;
  companyId: string;
  createdAt: string;
  createdBy: CrmActor;
  /** The member the company is assigned to (its owner); null for the few nobody owns. */
  ownerId: string | null;
  values: CrmValue[];
}

export interface CrmPerson {
  recordId: string;
  personId: string;
  companyRecordId: string;
  createdAt: string;
  createdBy: CrmActor;
  values: CrmValue[];
}

export interface CrmWorld {
  workspaceId: string;
  workspaceName: string;
  members: CrmMember[];
  /** A subset of companies (about 60 %); some values were typed in by a person. */
  companies: CrmCompany[];
  people: CrmPerson[];
}

// ---------------------------------------------------------------------------------------------
// Planted futures: ground truth for tests and benchmarks, never for detectors.

export type OutcomeKind = 'upgrade' | 'seat_expansion' | 'churn';

/** Names match the detectors in issue 6, so a benchmark can ask "did X fire before Y?". */
export type LeadingBehaviour =
  | 'upgrade_page_visit'
  | 'nearing_paywall'
  | 'approaching_seat_limit'
  | 'invites_sent'
  | 'director_signup'
  | 'usage_spike'
  | 'usage_drop'
  | 'usage_wow_decline'
  | 'inactivity'
  | 'low_nps'
  | 'high_nps'
  | 'future_cancellation'
  | 'arr_decrease'
  | 'incomplete_onboarding'
  | 'trial_ending';

export interface PlantedOutcome {
  companyId: string;
  domain: string;
  kind: OutcomeKind;
  /** When the outcome happens in Stripe (ISO). */
  at: string;
  from: { plan: Plan; seats: number };
  to: { plan: Plan; seats: number };
  /** Behaviour planted in the weeks before `at`, visible in PostHog (and Stripe for cancellations). */
  leading: LeadingBehaviour[];
  /** When the planted behaviour starts (ISO). */
  leadingFrom: string;
}

/**
 * Every outcome the dataset planted. An outcome with `leading: []` happened without warning (real
 * accounts do that too), which keeps a backtest honest. An expired trial is not a churn: its
 * subscription ends `canceled` from `trialing` and is not listed here.
 */
export interface Truth {
  now: string;
  /** Outcomes in (now, now + 30 days]: not in Stripe yet; what a good score predicts. */
  futures: PlantedOutcome[];
  /** Outcomes inside the history window: already in Stripe, so a backtest can find them. */
  past: PlantedOutcome[];
}

// ---------------------------------------------------------------------------------------------

export interface DatasetOptions {
  /** Any string or integer; the same seed, size and `now` give the same world. */
  seed: string | number;
  /** Number of companies (default 300). */
  companies?: number;
  /** The world's "now" (default: the current minute, so simulators run in step with the wall clock). */
  now?: Date | string;
  /** Days of usage history before now (default 180). */
  historyDays?: number;
}

export interface Dataset {
  seed: string;
  now: string;
  /** Unix seconds of `now`. */
  nowUnix: number;
  historyDays: number;
  companies: Company[];
  /** Every person, grouped by company in company order. */
  people: Person[];
  /** Index helpers (built once). */
  companyById: ReadonlyMap<string, Company>;
  companyByDomain: ReadonlyMap<string, Company>;
  peopleOfCompany(companyIndex: number): readonly Person[];
  billing: BillingWorld;
  usage: UsageSource;
  nps: NpsAnswer[];
  /** One entry per company domain (plus a few domains Apollo knows nothing about). */
  firmographics: Firmographic[];
  crm: CrmWorld;
  truth: Truth;
}
