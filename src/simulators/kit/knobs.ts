/**
 * The knobs every simulator shares. Tests turn them at runtime (`server.setKnobs({...})`); `beton
 * simulate` maps its flags onto them.
 */
export interface Knobs {
  /** Added before every answer, in milliseconds. */
  latencyMs: number;
  /** Uniform extra latency in [0, latencyJitterMs). */
  latencyJitterMs: number;
  /** Enforce the service's published limits (429 with the service's own body). */
  rateLimits: boolean;
  /** Share of requests answered with a 5xx (0–1). */
  errorRate: number;
  /** Share of requests that never answer until `hangMs` passes, then drop the connection. */
  timeoutRate: number;
  /** Share of successful answers whose body is not valid JSON (status 200). */
  malformedRate: number;
  /** Share of successful answers cut off mid-body (the connection drops after half the bytes). */
  truncatedRate: number;
  /** List endpoints hand out a `next` link that points at the page just served. */
  repeatNext: boolean;
  /** How long a "timeout" request hangs before the socket is destroyed. */
  hangMs: number;
  /** Seed of the fault dice: the same seed and request order give the same faults. */
  faultSeed: number;
}

export const defaultKnobs: Readonly<Knobs> = Object.freeze({
  latencyMs: 0,
  latencyJitterMs: 0,
  rateLimits: true,
  errorRate: 0,
  timeoutRate: 0,
  malformedRate: 0,
  truncatedRate: 0,
  repeatNext: false,
  hangMs: 60_000,
  faultSeed: 1,
});

/** Merge partial knobs over the defaults, checking ranges so a typo fails loudly. */
export function resolveKnobs(partial: Partial<Knobs> = {}, base: Readonly<Knobs> = defaultKnobs): Knobs {
  const knobs = { ...base, ...stripUndefined(partial) };
  for (const key of ['errorRate', 'timeoutRate', 'malformedRate', 'truncatedRate'] as const) {
    const v = knobs[key];
    if (!(v >= 0 && v <= 1)) throw new Error(`Simulator knob ${key} must be between 0 and 1, got ${v}.`);
  }
  for (const key of ['latencyMs', 'latencyJitterMs', 'hangMs'] as const) {
    const v = knobs[key];
    if (!(Number.isFinite(v) && v >= 0))
      throw new Error(`Simulator knob ${key} must be a non-negative number, got ${v}.`);
  }
  return knobs;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
