/**
 * Small formatters shared by the pages, so a time, a count or a duration reads the same everywhere.
 *
 * @example
 * formatRelative('2025-01-01T10:00:00Z', new Date('2025-01-01T10:05:00Z')); // '5 min ago'
 */
const numberFormat = new Intl.NumberFormat('en-US');
const compactFormat = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' });

export const formatNumber = (n: number | null | undefined) => (n == null ? '—' : numberFormat.format(n));
export const formatCompact = (n: number | null | undefined) => (n == null ? '—' : compactFormat.format(n));

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTimeFormat.format(new Date(iso)) : '—';
}

export function formatDate(iso: string | null | undefined): string {
  return iso ? dateFormat.format(new Date(iso)) : '—';
}

/** "just now", "5 min ago", "3 h ago", "2 d ago"; future times read "in 5 min". */
export function formatRelative(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return 'never';
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text: string;
  if (s < 45) return 'just now';
  if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 86_400) text = `${Math.round(s / 3600)} h`;
  else text = `${Math.round(s / 86_400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** 850 ms → "850 ms", 72 s → "1 min 12 s", 2 h 5 min → "2 h 5 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Milliseconds between two ISO times (to now when `end` is missing). */
export function durationBetween(start: string | null | undefined, end?: string | null): number | null {
  if (!start) return null;
  return (end ? new Date(end).getTime() : Date.now()) - new Date(start).getTime();
}

/** 0.4215 → "42%". */
export const formatPercent = (ratio: number | null | undefined, digits = 0) =>
  ratio == null ? '—' : `${(ratio * 100).toFixed(digits)}%`;

/** Turn a snake_case or camelCase key into words: "usage_spike" → "Usage spike", "apiKey" → "API key". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  const withAcronyms = words.replace(/\b(api|url|id|ids|arr|nps|crm|icp)\b/g, (w) => w.toUpperCase());
  return withAcronyms.charAt(0).toUpperCase() + withAcronyms.slice(1);
}

/** "Acme Inc" → "acme-inc", for workspace slugs. */
export const slugify = (name: string) =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);

const TRIGGERS: Record<string, string> = {
  web: 'web app',
  api: 'API key',
  cli: 'CLI',
  schedule: 'schedule',
  pipeline: 'pipeline',
  manual: 'manual',
};

/** What started a run, in words: "web" → "web app" (a signed-in person), "api" → "API key". */
export const triggerLabel = (trigger: string) => TRIGGERS[trigger] ?? trigger;
