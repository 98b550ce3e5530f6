/**
 * Usage is kept per UTC day as an integer day number (days since 1970-01-01): windows become integer
 * ranges, which is what makes detection a cheap scan on both SQLite and Postgres.
 */
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

/**
 * Milliseconds of an ISO timestamp. Detectors and replays parse the same few timestamps thousands
 * of times, so parsed values are remembered.
 */
export function toMs(value: string | Date): number {
  if (typeof value !== 'string') return value.getTime();
  let ms = parsed.get(value);
  if (ms === undefined) {
    ms = Date.parse(value);
    if (parsed.size > 200_000) parsed.clear();
    parsed.set(value, ms);
  }
  return ms;
}
const parsed = new Map<string, number>();

/** Unix seconds (Stripe's time format) to ISO, tolerating null and already-ISO values. */
export function fromUnix(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return null;
}
