/**
 * Keyset paging over a query ordered by a unique key: each page starts after the last key of the
 * previous one, so reading stays one index seek per page however deep it goes (no OFFSET), and a
 * consumer that stops early stops the reads.
 *
 * @example
 * for await (const page of keysetPages((after) => readAccounts(after, 1000), (r) => r.id, 1000)) write(page);
 */
export async function* keysetPages<T>(
  read: (after: string | null) => Promise<T[]>,
  keyOf: (row: T) => string,
  pageSize: number,
): AsyncGenerator<T[]> {
  let after: string | null = null;
  let previous: string | null = null;
  while (true) {
    const page = await read(after);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    after = keyOf(page[page.length - 1]!);
    // A key that does not advance would read the same page forever: a broken ordering, not data.
    if (after === previous) throw new Error(`keyset paging did not advance past "${after}"`);
    previous = after;
  }
}
