import { z } from 'zod';
import { type Detector, defineDetector, fmt, ramp } from './detector.js';

/**
 * Custom signals: a workspace defines "the sum of these events over the last N days <op> threshold".
 * The definition is data, validated here; evaluation compares numbers in code and the events reach
 * SQL only as bound parameters, so no query text is ever built from what a user typed.
 */

export const CUSTOM_OPERATORS = ['gte', 'gt', 'lte', 'lt', 'eq'] as const;
export type CustomOperator = (typeof CUSTOM_OPERATORS)[number];

const OPERATOR_SYMBOL: Record<CustomOperator, string> = { gte: '≥', gt: '>', lte: '≤', lt: '<', eq: '=' };
const COMPARE: Record<CustomOperator, (a: number, b: number) => boolean> = {
  gte: (a, b) => a >= b,
  gt: (a, b) => a > b,
  lte: (a, b) => a <= b,
  lt: (a, b) => a < b,
  eq: (a, b) => a === b,
};

export const customSignalInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    description: z.string().trim().max(500).default(''),
    direction: z.enum(['expansion', 'churn']),
    events: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(200)
          // Printable characters only: event names are shown back in explanations and the UI.
          .regex(/^[^\p{Cc}]+$/u, 'control characters are not allowed in an event name'),
      )
      .min(1)
      .max(20)
      .refine((events) => new Set(events).size === events.length, 'list each event once'),
    operator: z.enum(CUSTOM_OPERATORS),
    threshold: z.number().finite().min(0).max(1e12),
    windowDays: z.number().int().min(1).max(180),
    weight: z.number().min(0).max(5).default(0.5),
    enabled: z.boolean().default(true),
  })
  .strict();

export type CustomSignalInput = z.infer<typeof customSignalInput>;

export interface CustomSignal extends CustomSignalInput {
  id: string;
  key: string;
}

/** Signal key of a custom signal: stable, never reused for a built-in. */
export const customKey = (id: string) => `custom:${id}`;

/**
 * A custom signal as a detector, so the run, the score and the backtest treat it like any other.
 *
 * @example
 * const detector = customDetector({ id: 'cs_1', key: 'custom:cs_1', name: 'Heavy exporter', direction: 'expansion',
 *   events: ['export_clicked'], operator: 'gte', threshold: 10, windowDays: 7, weight: 0.5, enabled: true, description: '' });
 */
export function customDetector(signal: CustomSignal): Detector {
  const symbol = OPERATOR_SYMBOL[signal.operator];
  const compare = COMPARE[signal.operator];
  const upward = signal.operator === 'gte' || signal.operator === 'gt';
  return defineDetector({
    key: signal.key,
    title: signal.name,
    description:
      signal.description ||
      `Sum of ${signal.events.join(', ')} over the last ${signal.windowDays} days ${symbol} ${fmt(signal.threshold)}.`,
    direction: signal.direction,
    inputs: ['usage'],
    params: z.object({}),
    weight: signal.weight,
    dedupeDays: signal.windowDays,
    replayable: true,
    usageWindows: () => [signal.windowDays],
    detect(facts) {
      const total = facts.usage.sum(signal.events, signal.windowDays);
      if (!compare(total, signal.threshold)) return null;
      const strength =
        upward && signal.threshold > 0 ? ramp(total, signal.threshold, signal.threshold * 3) : 1;
      return {
        strength,
        occurredAt: facts.asOf,
        evidence: {
          total,
          threshold: signal.threshold,
          operator: signal.operator,
          windowDays: signal.windowDays,
          events: signal.events,
        },
        explanation: `${fmt(total)} ${signal.events.join(' + ')} in the last ${signal.windowDays} days ${symbol} ${fmt(signal.threshold)}.`,
      };
    },
  });
}
