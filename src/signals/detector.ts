import { z } from 'zod';
import type { AccountFacts } from '../accounts/index.js';

/**
 * A detector is a small pure function over one account's facts as of a moment. It declares what it
 * reads (`inputs`, `usageWindows`), its parameters (a zod object whose every field has a default,
 * so a workspace overrides only what it wants), and returns at most one detection whose
 * explanation carries the numbers that fired it.
 */

export type SignalDirection = 'expansion' | 'churn' | 'timing';
export type FactInput = 'usage' | 'persons' | 'subscription' | 'arr' | 'nps' | 'health' | 'signup';

export type EvidenceValue = number | string | boolean | null | string[] | number[];

export interface Detection {
  /** 0 < strength ≤ 1: how far past the threshold the account is. */
  strength: number;
  /** When the underlying thing happened (an event's time), or the as-of time for window signals. */
  occurredAt: string;
  evidence: Record<string, EvidenceValue>;
  explanation: string;
}

// biome-ignore lint/suspicious/noExplicitAny: any zod object shape is a valid parameter schema
export type ParamsSchema = z.ZodObject<any>;

export interface DetectorSpec<P extends ParamsSchema> {
  key: string;
  title: string;
  description: string;
  direction: SignalDirection;
  inputs: readonly FactInput[];
  params: P;
  /** How much one full-strength occurrence moves its score (see docs/scoring.md). */
  weight: number;
  /** A re-detection within this many days extends the existing occurrence instead of adding one. */
  dedupeDays: number;
  /**
   * Whether the backtest may replay it at past moments: false when an input is only known as it is
   * now (a person's last_seen_at, past health scores).
   */
  replayable: boolean;
  /** The "last N days" usage sums it will ask for, given its parameters. */
  usageWindows?: (params: z.output<P>) => number[];
  detect: (facts: AccountFacts, params: z.output<P>) => Detection | null;
}

export interface Detector<P extends ParamsSchema = ParamsSchema> extends Readonly<DetectorSpec<P>> {
  /** Parameters with a workspace's overrides applied; throws a ZodError on a bad override. */
  resolveParams(overrides?: Record<string, unknown>): z.output<P>;
  defaults(): z.output<P>;
}

/**
 * @example
 * export const invitesSent = defineDetector({
 *   key: 'invites_sent', title: 'Invites sent', direction: 'expansion', inputs: ['usage'],
 *   params: z.object({ windowDays: z.number().int().min(1).default(14) }), weight: 0.6, dedupeDays: 14,
 *   replayable: true, usageWindows: (p) => [p.windowDays],
 *   detect: (facts, p) => null,
 *   description: 'Users invited teammates.',
 * });
 */
export function defineDetector<P extends ParamsSchema>(spec: DetectorSpec<P>): Detector<P> {
  const strict = spec.params.strict();
  const defaults = strict.parse({}) as z.output<P>;
  return Object.freeze({
    ...spec,
    resolveParams: (overrides: Record<string, unknown> = {}) => strict.parse(overrides) as z.output<P>,
    defaults: () => ({ ...defaults }),
  });
}

/**
 * 0.5 at the threshold rising linearly to 1 at `full`: strength says how far past the line it is.
 *
 * @example ramp(15, 10, 20) // 0.75
 */
export function ramp(value: number, threshold: number, full: number): number {
  if (!(full > threshold)) return 1;
  const t = Math.min(Math.max((value - threshold) / (full - threshold), 0), 1);
  return Math.round((0.5 + 0.5 * t) * 1000) / 1000;
}

/** Thousands separators without Intl: explanations are built for every detection of every run. */
function grouped(n: number): string {
  if (n > -1000 && n < 1000) return String(n);
  const [int, frac] = String(Math.abs(n)).split('.');
  const digits = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${digits}${frac ? `.${frac}` : ''}`;
}

/**
 * A number rounded for an explanation: integers stay, others keep one decimal.
 *
 * @example fmt(12345.678) // '12,345.7'
 */
export const fmt = (n: number): string => grouped(Number.isInteger(n) ? n : Math.round(n * 10) / 10);

/** @example money(1234.5) // '$1,235' */
export const money = (n: number): string => `$${grouped(Math.round(n))}`;

export const eventsParam = (defaults: string[] | null) =>
  z
    .array(z.string().min(1).max(200))
    .max(50)
    .nullable()
    .default(defaults)
    .describe('event names to count; null = every engagement event');
