/**
 * Rate-limit windows the simulators enforce. Each service decides what a 429 looks like; these only
 * count. Time comes from `performance.now()` unless a clock is given (tests of window edges).
 */

export interface LimitDecision {
  ok: boolean;
  /** Requests left in the window after this one (0 when refused). */
  remaining: number;
  /** Milliseconds until a request would be allowed again (0 when allowed). */
  retryAfterMs: number;
  /** When the current window ends (ms on the limiter's clock). */
  resetAtMs: number;
}

/**
 * A fixed window: `limit` requests per `windowMs`, counted per key, reset at window boundaries —
 * how Apollo and PostHog count.
 *
 * @example
 * const perMinute = new FixedWindow(240, 60_000);
 * if (!perMinute.take(apiKey).ok) return reply.code(429).send(body);
 */
export class FixedWindow {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string, cost = 1): LimitDecision {
    const now = this.now();
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    let w = this.windows.get(key);
    if (w?.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
    }
    const resetAtMs = start + this.windowMs;
    if (w.count + cost > this.limit)
      return { ok: false, remaining: 0, retryAfterMs: resetAtMs - now, resetAtMs };
    w.count += cost;
    return { ok: true, remaining: this.limit - w.count, retryAfterMs: 0, resetAtMs };
  }

  /** Requests left in the current window without taking one. */
  peek(key: string): number {
    const w = this.windows.get(key);
    const start = Math.floor(this.now() / this.windowMs) * this.windowMs;
    return !w || w.start !== start ? this.limit : Math.max(0, this.limit - w.count);
  }

  reset(): void {
    this.windows.clear();
  }
}

/**
 * A sliding log: at most `limit` requests in any `windowMs` span — how Stripe's per-second limit
 * behaves for a client that paces itself at the limit: bursts above it are refused.
 *
 * @example
 * const perSecond = new SlidingWindow(25, 1_000);
 * perSecond.take('sk_test_…').ok;
 */
export class SlidingWindow {
  private readonly logs = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): LimitDecision {
    const now = this.now();
    let log = this.logs.get(key);
    if (!log) {
      log = [];
      this.logs.set(key, log);
    }
    while (log.length > 0 && log[0]! <= now - this.windowMs) log.shift();
    if (log.length >= this.limit) {
      const retryAfterMs = log[0]! + this.windowMs - now;
      return { ok: false, remaining: 0, retryAfterMs, resetAtMs: now + retryAfterMs };
    }
    log.push(now);
    return {
      ok: true,
      remaining: this.limit - log.length,
      retryAfterMs: 0,
      resetAtMs: log[0]! + this.windowMs,
    };
  }

  reset(): void {
    this.logs.clear();
  }
}

/** Requests in flight per key, for "at most N concurrent queries". */
export class ConcurrencyGate {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** A release function, or null when the key is already at its limit. */
  enter(key: string): (() => void) | null {
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.limit) return null;
    this.inFlight.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}
