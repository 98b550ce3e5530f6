/** Time helpers shared by the dataset modules. Days are UTC; unix times are seconds. */

export const DAY = 86_400;
export const HOUR = 3_600;

export const isoOf = (unix: number): string => new Date(unix * 1000).toISOString();

/** `YYYY-MM-DD` of a unix time. */
export const dayOf = (unix: number): string => isoOf(unix).slice(0, 10);

/** Start of the UTC day containing `unix`. */
export const startOfDay = (unix: number): number => Math.floor(unix / DAY) * DAY;

/**
 * `unix` moved by `count` calendar months (or years), keeping the day of month where it exists —
 * the way Stripe advances a billing period.
 *
 * @example
 * addInterval(Date.UTC(2025, 0, 31) / 1000, 'month', 1); // 2025-02-28, clamped
 */
export function addInterval(unix: number, interval: 'month' | 'year', count: number): number {
  const d = new Date(unix * 1000);
  const months = interval === 'month' ? count : count * 12;
  const targetMonth = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

/**
 * The billing period containing `at` for a subscription anchored at `anchor`.
 *
 * @example
 * periodAt(anchor, 'month', now); // { start, end } with start <= now < end
 */
export function periodAt(
  anchor: number,
  interval: 'month' | 'year',
  at: number,
): { start: number; end: number } {
  if (at < anchor) return { start: anchor, end: addInterval(anchor, interval, 1) };
  const approx = interval === 'month' ? 30.44 * DAY : 365.25 * DAY;
  let k = Math.max(0, Math.floor((at - anchor) / approx) - 1);
  while (addInterval(anchor, interval, k + 1) <= at) k++;
  while (k > 0 && addInterval(anchor, interval, k) > at) k--;
  return { start: addInterval(anchor, interval, k), end: addInterval(anchor, interval, k + 1) };
}
