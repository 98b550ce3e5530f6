/** Helpers for walking a service's pages safely. */

/** A `next` link or cursor that points back at a page already read: stopping beats looping forever. */
export class RepeatingCursorError extends Error {
  override name = 'RepeatingCursorError';
  readonly code = 'repeating_cursor';
}

/**
 * Remembers every cursor of one pass and throws RepeatingCursorError on a repeat (a real bug seen in
 * PostHog's `next` links). The engine also refuses a page whose state equals the previous one.
 *
 * @example
 * const seen = cursorGuard('persons next link');
 * for (let url = first; url; url = page.next) { seen(url); page = await http.get(url); … }
 */
export function cursorGuard(what = 'next link'): (cursor: string) => void {
  const seen = new Set<string>();
  return (cursor) => {
    if (seen.has(cursor)) {
      throw new RepeatingCursorError(
        `The service returned a ${what} that was already followed (${cursor.slice(0, 120)}); stopped instead of looping.`,
      );
    }
    seen.add(cursor);
  };
}

/** One page as a service answers it: its items and where the next page starts (null: this was the last). */
export interface FetchedPage<T, C> {
  items: T[];
  next: C | null | undefined;
}

/** One page as the helpers yield it: its items, the cursor it was read at, and the next one. */
export interface WalkedPage<T, C> {
  items: T[];
  /** The cursor this page was read at (`undefined` for the first page of a fresh pass). */
  cursor: C | undefined;
  /** Where the next page starts; null on the last page. */
  next: C | null;
}

export interface CursorPagesOptions<T, C extends string | number> {
  /** Named in the repeating-cursor error: "persons next link", "groups cursor". */
  what: string;
  /** Resume here (default: the first page). */
  start?: C;
  fetch(cursor: C | undefined): Promise<FetchedPage<T, C>>;
  /** Checked before every request: a canceled run stops between pages. */
  signal?: AbortSignal;
}

/**
 * Walk a cursor-, next-link- or offset-paged list with the repeating-cursor guard built in: a `next`
 * already followed in this pass (or, for numeric offsets, one that does not move forward) throws
 * RepeatingCursorError instead of reading the same pages forever. Yields each page with the cursor
 * that resumes after it, so a stream maps it straight to its `Page` state.
 *
 * @example
 * for await (const page of cursorPages({ what: 'contacts cursor', start: state?.after,
 *   fetch: (after) => client.contacts(after).then((r) => ({ items: r.data, next: r.nextCursor })) })) {
 *   yield { records: page.items, state: { after: page.next ?? undefined }, ...(page.next === null ? { done: true } : {}) };
 * }
 */
export async function* cursorPages<T, C extends string | number>(
  options: CursorPagesOptions<T, C>,
): AsyncGenerator<WalkedPage<T, C>> {
  const seen = cursorGuard(options.what);
  let cursor = options.start;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await options.fetch(cursor);
    const next = page.next ?? null;
    if (next === null || next === '') {
      yield { items: page.items, cursor, next: null };
      return;
    }
    seen(String(next));
    // An offset that goes back (or stays) points at pages already read.
    if (typeof next === 'number' && typeof cursor === 'number' && next <= cursor) seen(String(cursor));
    yield { items: page.items, cursor, next };
    cursor = next;
  }
}

export interface OffsetPagesOptions<T> {
  what: string;
  /** Page size asked for; a shorter page is the last. */
  limit: number;
  /** Resume at this offset (default 0). */
  start?: number;
  fetch(offset: number, limit: number): Promise<T[]>;
  /**
   * An item's id: when the offset moved but the page starts with the same item (a proxy or server
   * ignoring `offset`), the walk stops with RepeatingCursorError instead of looping.
   */
  idOf?(item: T): string;
  signal?: AbortSignal;
}

/**
 * Walk an offset/limit list until a short page, guarded against a server that ignores the offset.
 *
 * @example
 * for await (const page of offsetPages({ what: 'records of companies', limit: 500,
 *   fetch: (offset, limit) => client.query({ offset, limit }), idOf: (r) => r.id })) {
 *   console.log(page.cursor, page.items.length, page.next);
 * }
 */
export async function* offsetPages<T>(options: OffsetPagesOptions<T>): AsyncGenerator<WalkedPage<T, number>> {
  let offset = options.start ?? 0;
  let previousFirst: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const items = await options.fetch(offset, options.limit);
    const next = items.length < options.limit ? null : offset + items.length;
    const first = items[0] !== undefined && options.idOf ? options.idOf(items[0]) : undefined;
    if (next !== null && first !== undefined && first === previousFirst) {
      throw new RepeatingCursorError(
        `The service served the same page of ${options.what} at offset ${offset}; stopped instead of looping.`,
      );
    }
    previousFirst = first;
    yield { items, cursor: offset, next };
    if (next === null) return;
    offset = next;
  }
}
