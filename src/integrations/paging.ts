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
