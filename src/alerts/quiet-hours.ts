/**
 * Quiet hours in a time zone: `start`–`end` local clock times (a window may span midnight, e.g.
 * 20:00–08:00). An alert due inside the window waits until it ends.
 */
export interface QuietHours {
  timeZone: string;
  start: string;
  end: string;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/** Minutes since local midnight in `timeZone` at `at`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/**
 * When the quiet window holding `at` ends, or null when `at` is outside it.
 *
 * @example quietUntil(new Date('2026-01-05T21:30:00Z'), { timeZone: 'UTC', start: '20:00', end: '08:00' })
 * // → 2026-01-06T08:00:00.000Z
 */
export function quietUntil(at: Date, quiet: QuietHours | undefined): Date | null {
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const now = localMinutes(at, quiet.timeZone);
  const inside = start < end ? now >= start && now < end : now >= start || now < end;
  if (!inside) return null;
  const wait = (end - now + 1440) % 1440;
  // Whole local minutes: drop the seconds already passed in this minute.
  const base = Math.floor(at.getTime() / 60_000) * 60_000;
  return new Date(base + wait * 60_000);
}
