import type { Company, LeadingBehaviour, OutcomeKind, Person, Plan } from './types.js';

/**
 * The dataset's private model of each company: its story (what happens to it and when) and the
 * knobs its usage is generated from. Public types live in types.ts; this stays inside dataset/.
 */

/** Day indexes count from the first history day (0) to the day before "now" (historyDays - 1). */
export interface Timeline {
  nowUnix: number;
  /** Start of history day 0. */
  startUnix: number;
  historyDays: number;
  dayIndexOf(unix: number): number;
  dayStart(dayIndex: number): number;
}

export interface Story {
  kind: OutcomeKind;
  at: number;
  leadFrom: number;
  leading: Set<LeadingBehaviour>;
  from: { plan: Plan; seats: number };
  to: { plan: Plan; seats: number };
}

export interface Decoy {
  behaviour: LeadingBehaviour;
  /** Day index the decoy behaviour shows on. */
  day: number;
}

export interface PersonModel {
  person: Person;
  createdUnix: number;
  /** Individual activity factor (0.3–1.5). */
  factor: number;
  senior: boolean;
}

export interface CompanyModel {
  company: Company;
  /** Per-company seed for lazily generated usage. */
  seed: number;
  createdUnix: number;
  /** Chance a typical member is active on a weekday. */
  activity: number;
  /** Scales event counts of an active person-day. */
  intensity: number;
  /** Free accounts that went quiet: usage nearly stops from this unix time. */
  dormantFrom: number | null;
  /** When onboarding was completed; null when never. */
  onboardedAt: number | null;
  /** Daily chance of a `usage_limit_warning` without any planted story. */
  limitPressure: number;
  /** Mean NPS score this account tends to give. */
  npsMean: number;
  past: Story | null;
  future: Story | null;
  decoy: Decoy | null;
  /** Billing decisions made with the story (used by billing.ts). */
  billing: {
    interval: 'month' | 'year';
    /** Paid history start (subscription created), or null when never paid inside the modelled time. */
    subscriptionStart: number | null;
    /** Seats when the subscription started. */
    initialSeats: number;
    initialPlan: Exclude<Plan, 'free'> | null;
    /** Starts with a 14-day trial. */
    trial: boolean;
    /** Trial that ended without converting (free now). */
    trialExpired: boolean;
    /** Canceled before the history window. */
    oldChurnAt: number | null;
    /** An unannounced seat reduction: [at, seats removed]. */
    seatsRemoved: { at: number; count: number } | null;
    /** Customer deleted after a churn. */
    customerDeletedAt: number | null;
    /** Billing email on a free-mail domain. */
    personalBillingEmail: boolean;
    /** `metadata.domain` set on the customer. */
    metadataDomain: boolean;
  };
  persons: PersonModel[];
}
