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
  first: number;
  last: number;
}

/**
 * Every day of one account's usage, with prefix sums so any window is O(1) per event.
 *
 * @example
 * const series = DailySeries.from([{ event: 'feature_used', day: 20100, count: 5 }]);
 * series.view(20106).sum('feature_used', 7); // 5
 */
export class DailySeries {
  private constructor(private readonly byEvent: ReadonlyMap<string, EventSeries>) {}

  static from(rows: Iterable<DailyCount>): DailySeries {
    const grouped = new Map<string, Map<number, number>>();
    for (const row of rows) {
      if (!(row.count > 0)) continue;
      let days = grouped.get(row.event);
      if (!days) grouped.set(row.event, (days = new Map()));
      days.set(row.day, (days.get(row.day) ?? 0) + row.count);
    }
    const byEvent = new Map<string, EventSeries>();
    for (const [event, days] of grouped) {
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const day of days.keys()) {
        if (day < first) first = day;
        if (day > last) last = day;
      }
      const prefix = new Float64Array(last - first + 2);
      for (let i = 0; i <= last - first; i++) prefix[i + 1] = prefix[i]! + (days.get(first + i) ?? 0);
      byEvent.set(event, { start: first, prefix, first, last });
    }
    return new DailySeries(byEvent);
  }

  events(): string[] {
    return [...this.byEvent.keys()];
  }

  /** Total of one event on days [from, to] inclusive. */
  private total(series: EventSeries, from: number, to: number): number {
    const at = (day: number) => {
      const i = Math.min(Math.max(day - series.start + 1, 0), series.prefix.length - 1);
      return series.prefix[i]!;
    };
    return to < from ? 0 : at(to) - at(from - 1);
  }

  /**
   * The view as of `asOfDay`. Windows end at asOfDay; `lastDay`/`firstDay` see up to `visibleUntil`
   * (live runs pass today, whose data is partial; history replay passes the grid day itself, so
   * nothing from its future leaks in).
   */
  view(asOfDay: number, visibleUntil = asOfDay): UsageView {
    const series = this;
    return {
      asOfDay,
      sum(events, days) {
        let sum = 0;
        for (const [event, s] of series.byEvent) {
          if (matches(events, event)) sum += series.total(s, asOfDay - days + 1, asOfDay);
        }
        return sum;
      },
      lastDay(events) {
        let best: number | null = null;
        for (const [event, s] of series.byEvent) {
          if (!matches(events, event) || s.first > visibleUntil) continue;
          // The last visible day with a count: walk back over the prefix sums.
          let day = Math.min(s.last, visibleUntil);
          while (day >= s.first && series.total(s, day, day) === 0) day--;
          if (day >= s.first && (best === null || day > best)) best = day;
        }
        return best;
      },
      firstDay(events) {
        let best: number | null = null;
        for (const [event, s] of series.byEvent) {
          if (matches(events, event) && s.first <= visibleUntil && (best === null || s.first < best)) {
            best = s.first;
          }
        }
        return best;
      },
    };
  }
}

/** Per-event window sums and lifetime bounds, as one SQL pass returns them. */
export interface WindowedEventUsage {
  event: string;
  /** windowDays → total over the last windowDays days ending at asOfDay. */
  windows: ReadonlyMap<number, number>;
  firstDay: number | null;
  lastDay: number | null;
}

/**
 * The fast-path view: only the windows computed in SQL. Asking for any other window is a bug in a
 * detector's declared `usageWindows`, so it throws instead of answering wrongly.
 *
 * @example
 * const usage = new WindowedUsage(20106, [7, 35], [{ event: 'x', windows: new Map([[7, 3], [35, 9]]), firstDay: 20000, lastDay: 20106 }]);
 * usage.sum('x', 7); // 3
 */
export class WindowedUsage implements UsageView {
  private readonly windowSet: ReadonlySet<number>;
  private readonly byEvent = new Map<string, WindowedEventUsage>();
  /** Engagement totals per window, summed once. */
  private readonly activity = new Map<number, number>();

  constructor(
    readonly asOfDay: number,
    windows: Iterable<number>,
    private readonly events: readonly WindowedEventUsage[],
  ) {
    this.windowSet = new Set(windows);
    for (const e of events) {
      this.byEvent.set(e.event, e);
      if (NON_ACTIVITY_EVENTS.has(e.event)) continue;
      for (const [days, count] of e.windows) this.activity.set(days, (this.activity.get(days) ?? 0) + count);
    }
  }

  sum(selector: EventSelector, days: number): number {
    if (!this.windowSet.has(days)) {
      throw new Error(`Usage window of ${days} days was not loaded; declare it in the detector's usageWindows.`);
    }
    if (selector === ACTIVITY) return this.activity.get(days) ?? 0;
    if (typeof selector === 'string') return this.byEvent.get(selector)?.windows.get(days) ?? 0;
    let sum = 0;
    for (const event of selector as readonly string[]) sum += this.byEvent.get(event)?.windows.get(days) ?? 0;
    return sum;
  }

  lastDay(selector: EventSelector): number | null {
    let best: number | null = null;
    for (const e of this.events) {
      if (matches(selector, e.event) && e.lastDay !== null && (best === null || e.lastDay > best)) best = e.lastDay;
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
