import { describe, expect, it } from 'vitest';
import { cursorPages, offsetPages, RepeatingCursorError } from '../../src/integrations/paging.js';

/** Drain an async generator into an array (the walk itself is what is tested). */
async function all<T>(walk: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of walk) out.push(item);
  return out;
}

describe('cursorPages', () => {
  it('walks every page, each yielded with the cursor that resumes after it', async () => {
    const book: Record<string, { items: number[]; next: string | null }> = {
      start: { items: [1, 2], next: 'b' },
      b: { items: [3], next: 'c' },
      c: { items: [4], next: null },
    };
    const pages = await all(
      cursorPages<number, string>({ what: 'test cursor', fetch: async (c) => book[c ?? 'start']! }),
    );
    expect(pages.map((p) => [p.cursor, p.items, p.next])).toEqual([
      [undefined, [1, 2], 'b'],
      ['b', [3], 'c'],
      ['c', [4], null],
    ]);
  });

  it('stops with RepeatingCursorError when a next cursor comes back', async () => {
    const fetch = async (c: string | undefined) => ({ items: [c], next: c === 'b' ? 'a' : c ? 'b' : 'a' });
    await expect(all(cursorPages({ what: 'test cursor', fetch }))).rejects.toBeInstanceOf(
      RepeatingCursorError,
    );
  });

  it('stops when a numeric offset does not move forward', async () => {
    const fetch = async (offset: number | undefined) => ({ items: [offset], next: offset ?? 0 });
    await expect(all(cursorPages({ what: 'offset', start: 0, fetch }))).rejects.toThrow(/already followed/);
  });

  it('stops between pages once the signal is aborted', async () => {
    const controller = new AbortController();
    const walk = cursorPages<number, number>({
      what: 'offset',
      start: 0,
      signal: controller.signal,
      fetch: async (offset = 0) => ({ items: [offset], next: offset + 1 }),
    });
    await walk.next();
    controller.abort();
    await expect(walk.next()).rejects.toThrow();
  });
});

describe('offsetPages', () => {
  it('reads until a short page', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `r${i}` }));
    const pages = await all(
      offsetPages({
        what: 'rows',
        limit: 3,
        fetch: async (offset, limit) => rows.slice(offset, offset + limit),
        idOf: (r) => r.id,
      }),
    );
    expect(pages.map((p) => [p.cursor, p.items.length, p.next])).toEqual([
      [0, 3, 3],
      [3, 3, 6],
      [6, 1, null],
    ]);
  });

  it('stops with RepeatingCursorError when the server ignores the offset', async () => {
    const rows = [{ id: 'a' }, { id: 'b' }];
    const walk = offsetPages({ what: 'rows', limit: 2, fetch: async () => rows, idOf: (r) => r.id });
    await expect(all(walk)).rejects.toBeInstanceOf(RepeatingCursorError);
  });
});
