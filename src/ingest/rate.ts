/**
 * A token bucket per write key, in this process: `perSecond` requests a second on average, bursts
 * of twice that. Kept small (one entry per key that sent recently) and swept as it grows.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /**
   * Take one token for `key`; returns 0 when allowed, else the seconds until the next one.
   *
   * @example
   * const wait = limiter.take(keyId, 100); if (wait > 0) reply.header('retry-after', wait);
   */
  take(key: string, perSecond: number): number {
    const now = this.now();
    const burst = perSecond * 2;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  /** Drop buckets that have refilled (idle for over a minute). */
  private sweep(now: number) {
    for (const [key, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(key);
  }
}
