/**
 * When a failed delivery is tried again: the Standard Webhooks schedule. After the first attempt
 * fails, wait 5 s, then 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: eight attempts over about 27.5
 * hours, so a receiver that is down for a day still gets every event.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/** Attempts a delivery gets from the schedule (the first and every retry). */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * An endpoint is disabled when every attempt to it has failed for this long (no success in between):
 * five days of silence is a receiver that was removed, not one that is down for maintenance.
 */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3_600_000;

/** One HTTP attempt gives up after this long (Standard Webhooks: no answer within 15 s is a failure). */
export const ATTEMPT_TIMEOUT_MS = 15_000;

/** How much of a receiver's answer the delivery log keeps. */
export const RESPONSE_BODY_LIMIT = 1_024;

/**
 * The time of the next attempt after `attempts` attempts have failed, or null when the schedule is
 * spent.
 *
 * @example
 * nextAttemptAt(1, new Date('2026-12-07T12:00:00Z')); // 2026-12-07T12:00:05.000Z
 * nextAttemptAt(8, new Date()); // null
 */
export function nextAttemptAt(attempts: number, now: Date): Date | null {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? null : new Date(now.getTime() + delay);
}
