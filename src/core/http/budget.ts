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
  /** A limit over a span other than a second, minute or hour (HubSpot: 100 per 10 s). */
  window?: { requests: number; ms: number };
  /**
   * How the service counts. `paced` (the default): requests are spaced evenly at 97% of each
   * limit, which suits any counter. `rolling`: the service allows the limit in any span of the
   * window however bunched (a sliding log, or fixed windows), so Beton keeps each window's send
   * times and lets a request go once fewer than the limit went out in the span plus a 2% margin
   * for network jitter — nearer the ceiling, and a late timer costs nothing later requests must
   * make up.
   */
  counting?: 'paced' | 'rolling';
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
/**
 * A request made with `take` (whose answer the budget never hears of) is assumed to have reached
 * the service within this share of a rolling window after it was let go: the jitter allowed.
 */
const ROLLING_MARGIN = 0.05;

/** A token bucket: tokens refill one per `intervalMs` up to `capacity`. */
interface PacedWindow {
  kind: 'paced';
  intervalMs: number;
  capacity: number;
  tokens: number;
  updatedAt: number;
}

/**
 * The requests of the last span, each by the latest moment it can have been counted by the service:
 * its answer's arrival (a request still in flight counts as now), or for `take`, when it was let go
 * plus the margin. A request may go once fewer than `limit` of them lie within `spanMs` of now, so
 * the service never counts more than the limit in any span, however its queue or the network
 * bunch them. The price is the time a request takes, once per span: small against a nearby
 * service, more against a slow one.
 */
interface RollingWindow {
  kind: 'rolling';
  limit: number;
  spanMs: number;
  marginMs: number;
  arrivals: Arrival[];
}

interface Arrival {
  latestAt: number;
}

type Window = PacedWindow | RollingWindow;

interface Waiter {
  resolve: (arrivals: Arrival[]) => void;
  /** Whether the caller reports the answer (`acquire`), which then dates the request. */
  answered: boolean;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A window per limit (second, minute, hour, or another span) — a token bucket when paced, a log of
 * send times when the service counts a rolling window — plus a concurrency limit, shared by every
 * call made with one credential in this process. Callers are served first come, first served. A 429 may
 * `pauseFor` the whole budget, so the callers that queued behind it wait too instead of each
 * collecting its own 429.
 *
 * @example
 * const budget = new RateBudget({ perSecond: 25 });
 * const hubspot = new RateBudget({ window: { requests: 98, ms: 10_000 }, counting: 'rolling' });
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
    const spans: Array<readonly [number | undefined, number]> = [
      [limits.perSecond, 1_000],
      [limits.perMinute, 60_000],
      [limits.perHour, 3_600_000],
      [limits.window?.requests, limits.window?.ms ?? 0],
    ];
    this.windows = spans
      .filter(([limit, span]) => limit !== undefined && limit > 0 && span > 0)
      .map(([limit, span]): Window => {
        if (limits.counting === 'rolling')
          return {
            kind: 'rolling',
            limit: Math.floor(limit!),
            spanMs: span,
            marginMs: span * ROLLING_MARGIN,
            arrivals: [],
          };
        const capacity = Math.min(burst, limit!);
        return {
          kind: 'paced',
          intervalMs: span / (limit! * PACE),
          capacity: capacity + SLACK,
          tokens: capacity,
          updatedAt: start,
        };
      });
    this.concurrency = Math.max(1, limits.concurrency ?? Number.POSITIVE_INFINITY);
  }

  /** Wait for one request's worth of every window. Rejects when `signal` aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    await this.grant(signal, false);
  }

  /** A token and a concurrency slot; call the returned function when the request is done. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.slot(signal);
    let arrivals: Arrival[];
    try {
      arrivals = await this.grant(signal, true);
    } catch (error) {
      this.releaseSlot();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The answer is here: the service counted the request by now.
      const now = this.now();
      for (const arrival of arrivals) arrival.latestAt = now;
      this.releaseSlot();
      if (arrivals.length > 0) {
        // The next place's time is known only now (a waiter may be waiting for this answer).
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.pump();
      }
    };
  }

  private grant(signal: AbortSignal | undefined, answered: boolean): Promise<Arrival[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.windows.length === 0 && this.pausedUntil <= this.now()) return Promise.resolve([]);
    return new Promise<Arrival[]>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        answered,
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
    for (const w of this.windows) if (w.kind === 'paced') w.tokens = Math.min(w.tokens, 0);
  }

  /** Requests waiting for a token right now (for metrics and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.timer) return;
    while (this.queue.length > 0) {
      const wait = this.msUntilToken();
      // Infinite: every place is held by a request still in flight; its answer pumps again.
      if (wait === Number.POSITIVE_INFINITY) return;
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      const now = this.now();
      const waiter = this.queue.shift()!;
      const arrivals: Arrival[] = [];
      for (const w of this.windows) {
        if (w.kind === 'paced') {
          w.tokens -= 1;
          continue;
        }
        const arrival = { latestAt: waiter.answered ? Number.POSITIVE_INFINITY : now + w.marginMs };
        w.arrivals.push(arrival);
        arrivals.push(arrival);
      }
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(arrivals);
    }
  }

  private msUntilToken(): number {
    const now = this.now();
    let wait = Math.max(0, this.pausedUntil - now);
    for (const w of this.windows) {
      if (w.kind === 'rolling') {
        wait = Math.max(wait, rollingWait(w, now));
        continue;
      }
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

/** How long until fewer than the limit of a rolling window's requests lie within its span. */
function rollingWait(w: RollingWindow, now: number): number {
  w.arrivals = w.arrivals.filter((a) => a.latestAt > now - w.spanMs);
  if (w.arrivals.length < w.limit) return 0;
  // The request that must leave the span first: the (n - limit + 1)-th earliest.
  const times = w.arrivals.map((a) => a.latestAt).sort((a, b) => a - b);
  return times[w.arrivals.length - w.limit]! + w.spanMs - now;
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
  const keys = ['perSecond', 'perMinute', 'perHour', 'burst', 'concurrency', 'counting'] as const;
  return (
    keys.every((k) => a[k] === b[k]) &&
    a.window?.requests === b.window?.requests &&
    a.window?.ms === b.window?.ms
  );
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
