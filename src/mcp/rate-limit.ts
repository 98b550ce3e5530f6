import { type Clock, systemClock } from '../core/clock.js';

/** The answer of one `take`: allowed, or refused with the seconds until a token is back. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full (idle) ones are dropped: memory stays bounded under many keys. */
const MAX_BUCKETS = 10_000;

/**
 * A token bucket per caller (an API key's id, or `cli` for the local operator): `perMinute`
 * tokens, refilled continuously, so a client may burst up to the whole minute's budget and then
 * goes at the steady rate. One process's budget: behind a load balancer each server counts apart.
 *
 * @example
 * const limiter = new KeyRateLimiter(120);
 * const decision = limiter.take(actor.apiKeyId ?? 'cli');
 * if (!decision.ok) reply.header('retry-after', decision.retryAfterSeconds).status(429);
 */
export class KeyRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(perMinute > 0)) throw new Error(`KeyRateLimiter needs a positive rate, got ${perMinute}.`);
    this.#perMs = perMinute / 60_000;
  }

  /** Spend one token of `key`'s budget, or say how long until one is back. */
  take(key: string): RateDecision {
    const now = this.clock.now().getTime();
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (this.#buckets.size >= MAX_BUCKETS && !this.#buckets.has(key)) this.#dropFull(now);
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000)) };
  }

  #dropFull(now: number) {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.perMinute) this.#buckets.delete(key);
    }
  }
}
