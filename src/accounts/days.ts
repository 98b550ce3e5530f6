/**
 * Usage is kept per UTC day as an integer day number (days since 1970-01-01): windows become integer
 * ranges, which is what makes detection a cheap scan on both SQLite and Postgres.
 */
import { toMs } from '../model/time.js';

export { fromUnix, toMs } from '../model/time.js';

export const DAY_MS = 86_400_000;

/**
 * @example dayNumber('2025-03-01') // 20148
 */
export function dayNumber(value: string | Date): number {
  const ms =
    typeof value === 'string'
      ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value)
      : value.getTime();
  if (Number.isNaN(ms)) throw new Error(`Not a date: ${String(value)}`);
  return Math.floor(ms / DAY_MS);
}

/**
 * @example dayString(20148) // '2025-03-01'
 */
export const dayString = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export const daysBetween = (from: string | Date, to: string | Date): number =>
  (toMs(to) - toMs(from)) / DAY_MS;
