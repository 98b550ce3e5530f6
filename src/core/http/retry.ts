/**
 * When to try again: `Retry-After` in both of its forms, the "available in N seconds" sentence some
 * services put in a 429 body instead, and exponential backoff with full jitter otherwise.
 */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** First backoff ceiling; doubles each attempt. */
  baseDelayMs: number;
  /** The longest Beton waits at once; a service asking for more fails the request instead. */
  maxWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxWaitMs: 60_000 };

/**
 * Milliseconds a `Retry-After` header asks for: delta seconds (`"2"`, `"1.5"`) or an HTTP date
 * (`"Tue, 23 May 2023 14:42:01 GMT"`, measured against `now`). Undefined when absent or unreadable.
 *
 * @example
 * parseRetryAfter('3', new Date()); // 3000
 * parseRetryAfter('Tue, 23 May 2023 14:42:01 GMT', new Date('2023-05-23T14:42:00Z')); // 1000
 */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * Seconds named by a throttling message such as PostHog's "Request was throttled. Expected available
 * in 12 seconds." Undefined when the body says nothing usable.
 *
 * @example
 * parseAvailableIn('Expected available in 12 seconds.'); // 12000
 */
export function parseAvailableIn(body: string): number | undefined {
  const match = /available in (\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b/i.exec(body);
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}

/** Full-jitter backoff: uniform in [0, min(cap, base·2^attempt)] (attempt counts from 0). */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxWaitMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
