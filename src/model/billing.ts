/**
 * Billing facts: prices, subscriptions (their live state and versions over time) and the billing
 * points paid invoices show. Amounts are in the currency's major unit, annualised.
 */

export type BillingInterval = 'day' | 'week' | 'month' | 'year' | null;

/** A price reduced to what billing maths needs. */
export interface PriceInfo {
  /** In the currency's minor unit, as billing systems count. */
  unitAmount: number | null;
  currency: string | null;
  interval: BillingInterval;
  intervalCount: number;
  plan: string | null;
  seatLimit: number | null;
}

/** The billing state one paid invoice (or the live subscription) shows at a moment. */
export interface BillingPoint {
  at: string;
  /** Annualised recurring revenue in the currency's major unit (e.g. dollars). */
  arr: number;
  seats: number;
  plan: string | null;
  seatLimit: number | null;
}

export interface SubscriptionHistory {
  id: string;
  status: string;
  createdAt: string | null;
  startedAt: string | null;
  trialStart: string | null;
  trialEnd: string | null;
  /** When cancellation was requested. */
  canceledAt: string | null;
  cancelAt: string | null;
  cancelAtPeriodEnd: boolean;
  endedAt: string | null;
  currentPeriodEnd: string | null;
  interval: BillingInterval;
  intervalCount: number;
  currency: string | null;
  /** The live state, as the subscription object says now. */
  current: Omit<BillingPoint, 'at'>;
  /** Paid invoices, oldest first. */
  points: BillingPoint[];
}

/** A source's prices by id: what subscriptions and invoices refer to. */
export type PriceBook = ReadonlyMap<string, PriceInfo>;

/** The billing points one paid invoice shows, by subscription id. */
export type InvoicePoints = Map<string, BillingPoint>;
