import type { Plan } from './types.js';

/** What each plan sells: the product catalogue Stripe prices mirror. */
export interface PlanSpec {
  name: string;
  /** Seats bought on this plan: [min, max]; free has a fixed limit. */
  seats: readonly [number, number];
  /** Cents per seat per month / per year. */
  monthly: number;
  yearly: number;
  /** Reports a month before `usage_limit_warning` starts (null: unlimited). */
  reportLimit: number | null;
}

export const PLAN_SPECS: Record<Plan, PlanSpec> = {
  free: { name: 'Free', seats: [3, 3], monthly: 0, yearly: 0, reportLimit: 10 },
  starter: { name: 'Starter', seats: [3, 12], monthly: 1_500, yearly: 15_000, reportLimit: 100 },
  pro: { name: 'Pro', seats: [8, 40], monthly: 4_000, yearly: 40_000, reportLimit: 1_000 },
  enterprise: { name: 'Enterprise', seats: [25, 120], monthly: 9_000, yearly: 90_000, reportLimit: null },
};

export const FREE_SEAT_LIMIT = PLAN_SPECS.free.seats[0];

export const planRank = (plan: Plan): number => ['free', 'starter', 'pro', 'enterprise'].indexOf(plan);
