/**
 * Time as facts carry it: ISO-8601 strings. Sources hand out seconds since the epoch or ISO text;
 * mappers turn both into ISO so the domain compares one form.
 */

/**
 * Milliseconds of an ISO timestamp. Detectors and replays parse the same few timestamps thousands
 * of times, so parsed values are remembered.
 *
 * @example toMs('2025-03-01T00:00:00Z') // 1740787200000
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

/**
 * Unix seconds (or ISO text) to ISO, tolerating null and already-ISO values.
 *
 * @example fromUnix(1740787200) // '2025-03-01T00:00:00.000Z'
 */
export function fromUnix(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return null;
}
