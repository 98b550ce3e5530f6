/**
 * A read-only view of one account's product usage as of a day. Detectors ask it for sums over the
 * last N days; two implementations answer: `DailySeries` (every day in memory, with prefix sums: tests
 * and history replay) and `WindowedUsage` (only the window sums the run asked the database for:
 * the fast path of a score run). Both give the same answers for the windows they both know.
 */

/** Events that say something happened but are not engagement on their own. */
export const NON_ACTIVITY_EVENTS: ReadonlySet<string> = new Set(['survey sent', 'usage_limit_warning']);

/** Select "every engagement event" (everything except NON_ACTIVITY_EVENTS). */
export const ACTIVITY = Symbol('activity');
export type EventSelector = string | readonly string[] | typeof ACTIVITY;

export interface UsageView {
  /** The last complete UTC day the view describes (day number). */
  readonly asOfDay: number;
  /** Total count of `events` over the `days` days ending at `asOfDay` (inclusive). */
  sum(events: EventSelector, days: number): number;
  /** Last day with a count of `events` (may be after asOfDay when today has partial data); null if never. */
  lastDay(events: EventSelector): number | null;
  /** First day with a count of `events`; null if never. */
  firstDay(events: EventSelector): number | null;
}

/** Count of `events` in the window (asOfDay - fromDaysAgo, asOfDay - toDaysAgo]. */
export const sumBetween = (usage: UsageView, events: EventSelector, fromDaysAgo: number, toDaysAgo: number) =>
  usage.sum(events, fromDaysAgo) - (toDaysAgo > 0 ? usage.sum(events, toDaysAgo) : 0);

function matches(selector: EventSelector, event: string): boolean {
  if (selector === ACTIVITY) return !NON_ACTIVITY_EVENTS.has(event);
  if (typeof selector === 'string') return selector === event;
  return (selector as readonly string[]).includes(event);
}

export interface DailyCount {
  event: string;
  day: number;
  count: number;
}

interface EventSeries {
  start: number;
  /** prefix[i] = total of days start .. start+i-1 */
  prefix: Float64Array;
  /** lastActive[i] = offset of the last day ≤ start+i with a count, or -1. */
  lastActive: Int32Array;
  first: number;
  last: number;
}

function seriesOf(days: ReadonlyMap<number, number>): EventSeries | null {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const [day, count] of days) {
    if (!(count > 0)) continue;
    if (day < first) first = day;
    if (day > last) last = day;
  }
  if (first > last) return null;
  const length = last - first + 1;
  const prefix = new Float64Array(length + 1);
  const lastActive = new Int32Array(length);
  let seen = -1;
  for (let i = 0; i < length; i++) {
    const count = days.get(first + i) ?? 0;
    prefix[i + 1] = prefix[i]! + count;
    if (count > 0) seen = i;
    lastActive[i] = seen;
  }
  return { start: first, prefix, lastActive, first, last };
}

/** The prefix sum of a series before `day` (clamped to the series). */
function prefixBefore(series: EventSeries, day: number): number {
  return series.prefix[Math.min(Math.max(day - series.start, 0), series.prefix.length - 1)]!;
}

/** Total of a series on days [from, to] inclusive. */
function total(series: EventSeries, from: number, to: number): number {
  if (to < from) return 0;
  return prefixBefore(series, to + 1) - prefixBefore(series, from);
}

/** The last day ≤ `until` with a count, or null. */
function lastActiveDay(series: EventSeries, until: number): number | null {
  if (until < series.first) return null;
  const offset = series.lastActive[Math.min(until, series.last) - series.start]!;
  return offset < 0 ? null : series.start + offset;
}

/**
 * Every day of one account's usage, with prefix sums so any window is O(1) per event (and for all
 * engagement events at once).
 *
 * @example
 * const series = DailySeries.from([{ event: 'feature_used', day: 20100, count: 5 }]);
 * series.view(20106).sum('feature_used', 7); // 5
 */
export class DailySeries {
  private constructor(
    private readonly byEvent: ReadonlyMap<string, EventSeries>,
    private readonly activity: EventSeries | null,
  ) {}

  static from(rows: Iterable<DailyCount>): DailySeries {
    const grouped = new Map<string, Map<number, number>>();
    const engaged = new Map<number, number>();
    for (const row of rows) {
      if (!(row.count > 0)) continue;
      let days = grouped.get(row.event);
      if (!days) {
        days = new Map();
        grouped.set(row.event, days);
      }
      days.set(row.day, (days.get(row.day) ?? 0) + row.count);
      if (!NON_ACTIVITY_EVENTS.has(row.event)) engaged.set(row.day, (engaged.get(row.day) ?? 0) + row.count);
    }
    const byEvent = new Map<string, EventSeries>();
    for (const [event, days] of grouped) {
      const series = seriesOf(days);
      if (series) byEvent.set(event, series);
    }
    return new DailySeries(byEvent, seriesOf(engaged));
  }

  events(): string[] {
    return [...this.byEvent.keys()];
  }

  /** The series a selector names (the shared empty list when none: replay asks millions of times). */
  select(selector: EventSelector): readonly EventSeries[] {
    if (selector === ACTIVITY) return this.activity ? [this.activity] : NO_SERIES;
    if (typeof selector === 'string') {
      const one = this.byEvent.get(selector);
      return one ? [one] : NO_SERIES;
    }
    const out: EventSeries[] = [];
    for (const event of selector as readonly string[]) {
      const one = this.byEvent.get(event);
      if (one) out.push(one);
    }
    return out;
  }

  /**
   * The view as of `asOfDay`. Windows end at asOfDay; `lastDay`/`firstDay` see up to `visibleUntil`
   * (live runs pass today, whose data is partial; history replay passes the grid day itself, so
   * nothing from its future leaks in).
   */
  view(asOfDay: number, visibleUntil = asOfDay): UsageView {
    return new DailyView(this, asOfDay, visibleUntil);
  }
}

const NO_SERIES: readonly EventSeries[] = [];

/** One day's view of a DailySeries: methods on a prototype (replay makes one per account and grid day). */
class DailyView implements UsageView {
  constructor(
    private readonly series: DailySeries,
    readonly asOfDay: number,
    private readonly visibleUntil: number,
  ) {}

  sum(events: EventSelector, days: number): number {
    let sum = 0;
    for (const s of this.series.select(events)) sum += total(s, this.asOfDay - days + 1, this.asOfDay);
    return sum;
  }

  lastDay(events: EventSelector): number | null {
    let best: number | null = null;
    for (const s of this.series.select(events)) {
      const day = lastActiveDay(s, this.visibleUntil);
      if (day !== null && (best === null || day > best)) best = day;
    }
    return best;
  }

  firstDay(events: EventSelector): number | null {
    let best: number | null = null;
    for (const s of this.series.select(events))
      if (s.first <= this.visibleUntil && (best === null || s.first < best)) best = s.first;
    return best;
  }
}

/** Per-event window sums and lifetime bounds, as one SQL pass returns them. */
export interface WindowedEventUsage {
  event: string;
  /** sums[i] = total over the last windows[i] days ending at asOfDay (windows as given to WindowedUsage). */
  sums: ArrayLike<number>;
  firstDay: number | null;
  lastDay: number | null;
}

/**
 * The fast-path view: only the windows computed in SQL. Asking for any other window is a bug in a
 * detector's declared `usageWindows`, so it throws instead of answering wrongly.
 *
 * @example
 * const usage = new WindowedUsage(20106, [7, 35], [{ event: 'x', sums: [3, 9], firstDay: 20000, lastDay: 20106 }]);
 * usage.sum('x', 7); // 3
 */
export class WindowedUsage implements UsageView {
  private readonly index: ReadonlyMap<number, number>;
  private readonly byEvent = new Map<string, WindowedEventUsage>();
  /** Engagement totals per window, summed once. */
  private readonly activity: number[];

  constructor(
    readonly asOfDay: number,
    windows: readonly number[],
    private readonly events: readonly WindowedEventUsage[],
  ) {
    this.index = windowIndex(windows);
    this.activity = new Array<number>(windows.length).fill(0);
    for (const e of events) {
      this.byEvent.set(e.event, e);
      if (NON_ACTIVITY_EVENTS.has(e.event)) continue;
      for (let i = 0; i < windows.length; i++) this.activity[i]! += e.sums[i] ?? 0;
    }
  }

  sum(selector: EventSelector, days: number): number {
    const i = this.index.get(days);
    if (i === undefined) {
      throw new Error(
        `Usage window of ${days} days was not loaded; declare it in the detector's usageWindows.`,
      );
    }
    if (selector === ACTIVITY) return this.activity[i]!;
    if (typeof selector === 'string') return this.byEvent.get(selector)?.sums[i] ?? 0;
    let sum = 0;
    for (const event of selector as readonly string[]) sum += this.byEvent.get(event)?.sums[i] ?? 0;
    return sum;
  }

  lastDay(selector: EventSelector): number | null {
    let best: number | null = null;
    for (const e of this.events) {
      if (matches(selector, e.event) && e.lastDay !== null && (best === null || e.lastDay > best))
        best = e.lastDay;
    }
    return best;
  }

  firstDay(selector: EventSelector): number | null {
    let best: number | null = null;
    for (const e of this.events) {
      if (matches(selector, e.event) && e.firstDay !== null && (best === null || e.firstDay < best)) {
        best = e.firstDay;
      }
    }
    return best;
  }
}

// Many views share one window list: index it once per list.
const indexes = new WeakMap<readonly number[], ReadonlyMap<number, number>>();
function windowIndex(windows: readonly number[]): ReadonlyMap<number, number> {
  let index = indexes.get(windows);
  if (!index) {
    index = new Map(windows.map((w, i) => [w, i]));
    indexes.set(windows, index);
  }
  return index;
}
