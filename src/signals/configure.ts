import { z } from 'zod';
import type { AccountFacts } from '../accounts/index.js';
import { badRequest } from '../core/index.js';
import { BUILT_IN_DETECTORS, builtInDetector } from './catalog.js';
import { type CustomSignal, customDetector } from './custom.js';
import type { Detection, Detector } from './detector.js';

/** A workspace's override of one built-in signal: only what it changes. */
export const signalOverrideInput = z
  .object({
    enabled: z.boolean().optional(),
    weight: z.number().min(0).max(5).optional(),
    dedupeDays: z.number().int().min(0).max(365).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type SignalOverride = z.infer<typeof signalOverrideInput>;

/** A detector with the workspace's parameters, weight and dedupe window applied. */
export interface ConfiguredSignal {
  detector: Detector;
  key: string;
  custom: boolean;
  enabled: boolean;
  weight: number;
  dedupeDays: number;
  params: Record<string, unknown>;
  /** The "last N days" usage windows it reads. */
  windows: number[];
}

/**
 * Check an override against the detector's parameter schema; a bad one becomes a 400 naming the field.
 *
 * @example validateOverride('usage_spike', { params: { ratio: 3 } })
 */
export function validateOverride(key: string, override: unknown): SignalOverride {
  const detector = builtInDetector(key);
  if (!detector) throw badRequest(`There is no built-in signal "${key}". GET /api/v1/signals lists them.`);
  const parsed = signalOverrideInput.safeParse(override);
  if (!parsed.success)
    throw badRequest('Invalid signal settings.', z.flattenError(parsed.error), 'validation_error');
  safeParams(detector, parsed.data.params ?? {});
  return parsed.data;
}

function safeParams(detector: Detector, params: Record<string, unknown>): Record<string, unknown> {
  try {
    return detector.resolveParams(params) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw badRequest(
        `Invalid parameters for ${detector.key}: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}.`,
        error.issues.map((i) => ({ path: ['params', ...i.path].join('.'), message: i.message })),
        'validation_error',
      );
    }
    throw error;
  }
}

/**
 * Every signal a workspace runs: the twenty built-ins with its overrides, then its custom signals.
 *
 * @example configureSignals(new Map([['usage_spike', { params: { ratio: 3 } }]]), [])
 */
export function configureSignals(
  overrides: ReadonlyMap<string, SignalOverride>,
  customSignals: readonly CustomSignal[],
): ConfiguredSignal[] {
  const configured: ConfiguredSignal[] = BUILT_IN_DETECTORS.map((detector) => {
    const override = overrides.get(detector.key) ?? {};
    const params = safeParams(detector, override.params ?? {});
    return {
      detector,
      key: detector.key,
      custom: false,
      enabled: override.enabled ?? true,
      weight: override.weight ?? detector.weight,
      dedupeDays: override.dedupeDays ?? detector.dedupeDays,
      params,
      windows: detector.usageWindows?.(params) ?? [],
    };
  });
  for (const signal of customSignals) {
    const detector = customDetector(signal);
    configured.push({
      detector,
      key: signal.key,
      custom: true,
      enabled: signal.enabled,
      weight: signal.weight,
      dedupeDays: detector.dedupeDays,
      params: {},
      windows: [signal.windowDays],
    });
  }
  return configured;
}

export interface DetectedSignal extends Detection {
  key: string;
}

/**
 * Run every enabled signal over one account's facts. A detector that throws is a bug: the error
 * names it so the run can report which one.
 *
 * @example detectSignals(facts, configureSignals(new Map(), []))
 */
export function detectSignals(
  facts: AccountFacts,
  signals: readonly ConfiguredSignal[],
  options: { replayOnly?: boolean } = {},
): DetectedSignal[] {
  const found: DetectedSignal[] = [];
  for (const signal of signals) {
    if (!signal.enabled || (options.replayOnly && !signal.detector.replayable)) continue;
    let detection: Detection | null;
    try {
      detection = signal.detector.detect(facts, signal.params);
    } catch (error) {
      throw new Error(
        `Signal ${signal.key} failed on account ${facts.accountId}: ${(error as Error).message}`,
      );
    }
    if (detection) {
      found.push({
        key: signal.key,
        strength: detection.strength,
        occurredAt: detection.occurredAt,
        evidence: detection.evidence,
        explanation: detection.explanation,
      });
    }
  }
  return found;
}

/** Union of the usage windows a set of signals reads (plus any extra the caller needs). */
export function usageWindowsOf(
  signals: readonly ConfiguredSignal[],
  extra: readonly number[] = [],
): number[] {
  const windows = new Set<number>(extra);
  for (const s of signals) if (s.enabled) for (const w of s.windows) windows.add(w);
  return [...windows].sort((a, b) => a - b);
}
