import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { sleep } from './retry.js';

/** A service's published limit for one credential. Every field optional; all given bind at once. */
export interface RateLimit {
  perSecond?: number;
  perMinute?: number;
  perHour?: number;
  /** Requests allowed back to back before pacing starts (default 1: evenly spaced). */
  burst?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

/**
 * Beton paces to 97% of a published limit: client and server clocks and network jitter differ, and a
 * request paced exactly at the limit lands in the wrong fixed window now and then (a 429 and a pause).
 */
const PACE = 0.97;
/**
 * A quarter token of slack above the burst, so a timer that fires a millisecond late is made up on
 * the next request instead of lost; too small to let a real extra request through.
 */
const SLACK = 0.25;

interface Window {
  intervalMs: number;
  capacity: number;
  tokens: number;
  updatedAt: number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A token bucket per window (second, minute, hour) plus a concurrency limit, shared by every call
 * made with one credential in this process. Callers are served first come, first served. A 429 may
 * `pauseFor` the whole budget, so the callers that queued behind it wait too instead of each
 * collecting its own 429.
 *
 * @example
 * const budget = new RateBudget({ perSecond: 25 });
 * await budget.take();                                    // one request's worth
 * const list = await budget.run(() => stripe.customers.list()); // token + concurrency slot
 */
export class RateBudget {
  private readonly windows: Window[];
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pausedUntil = 0;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  readonly concurrency: number;

  constructor(
    readonly limits: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    const start = this.now();
    const burst = Math.max(1, limits.burst ?? 1);
    this.windows = (
      [
        [limits.perSecond, 1_000],
        [limits.perMinute, 60_000],
        [limits.perHour, 3_600_000],
      ] as const
    )
      .filter(([limit]) => limit !== undefined && limit > 0)
      .map(([limit, span]) => {
        const capacity = Math.min(burst, limit!);
        return {
          intervalMs: span / (limit! * PACE),
          capacity: capacity + SLACK,
          tokens: capacity,
          updatedAt: start,
        };
      });
    this.concurrency = Math.max(1, limits.concurrency ?? Number.POSITIVE_INFINITY);
  }

  /** Wait for one request's worth of every window. Rejects when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.windows.length === 0 && this.pausedUntil <= this.now()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal?.reason);
        },
      };
      if (signal) allowManyWaiters(signal);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  /** A token and a concurrency slot; call the returned function when the request is done. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.slot(signal);
    try {
      await this.take(signal);
    } catch (error) {
      this.releaseSlot();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.releaseSlot();
    };
  }

  /** Run `fn` under the budget: for SDKs that make their own requests (the official `stripe`). */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Nobody using this credential sends anything for `ms` (the service said to wait). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    for (const w of this.windows) w.tokens = Math.min(w.tokens, 0);
  }

  /** Requests waiting for a token right now (for metrics and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0) {
      const wait = this.msUntilToken();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      for (const w of this.windows) w.tokens -= 1;
      const waiter = this.queue.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
  }

  private msUntilToken(): number {
    const now = this.now();
    let wait = Math.max(0, this.pausedUntil - now);
    for (const w of this.windows) {
      w.tokens = Math.min(w.capacity, w.tokens + (now - w.updatedAt) / w.intervalMs);
      w.updatedAt = now;
      if (w.tokens < 1) wait = Math.max(wait, (1 - w.tokens) * w.intervalMs);
    }
    return wait;
  }

  private async slot(signal?: AbortSignal): Promise<void> {
    while (this.inFlight >= this.concurrency) {
      if (signal?.aborted) throw signal.reason;
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight += 1;
  }

  private releaseSlot(): void {
    this.inFlight -= 1;
    this.slotWaiters.shift()?.();
  }
}

const budgets = new Map<string, RateBudget>();

/**
 * The process-wide budget for one credential of one integration, created on first use. The key is a
 * hash of the integration name and the credential (never the credential itself), so the map holds
 * nothing secret.
 *
 * @example
 * const budget = sharedBudget('stripe', credentialFingerprint('stripe', { apiKey }), { perSecond: 25 });
 */
export function sharedBudget(integration: string, fingerprint: string, limits: RateLimit): RateBudget {
  const key = `${integration}:${fingerprint}`;
  const existing = budgets.get(key);
  if (existing && sameLimits(existing.limits, limits)) return existing;
  const budget = new RateBudget(limits);
  budgets.set(key, budget);
  return budget;
}

/** A stable, non-reversible identifier of a credential: sha-256 over the integration and the values. */
export function credentialFingerprint(integration: string, credentials: Record<string, unknown>): string {
  const canonical = JSON.stringify(
    Object.keys(credentials)
      .sort()
      .map((k) => [k, credentials[k] ?? null]),
  );
  return createHash('sha256').update(integration).update('\0').update(canonical).digest('hex').slice(0, 32);
}

function sameLimits(a: RateLimit, b: RateLimit): boolean {
  const keys: Array<keyof RateLimit> = ['perSecond', 'perMinute', 'perHour', 'burst', 'concurrency'];
  return keys.every((k) => a[k] === b[k]);
}

export { sleep };

const widened = new WeakSet<AbortSignal>();
/**
 * A run's concurrent requests all wait on the run's one signal (each removes its listener once
 * served): lift Node's leak warning at 10 listeners for it, not for signals in general.
 */
function allowManyWaiters(signal: AbortSignal) {
  if (widened.has(signal)) return;
  widened.add(signal);
  setMaxListeners(1_000, signal);
}
