import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';

/**
 * A SQLite file's write-ahead log is folded back by a thread of its own: commits on the main
 * connection never checkpoint, yet what they wrote reaches the database file soon after, and
 * closing leaves no log behind.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-checkpointer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

describe('the SQLite checkpointer', () => {
  it('moves committed pages into the database file off the main connection, and leaves no log on close', async () => {
    const file = path.join(dir, 'beton.sqlite');
    const db = openDatabase({ dialect: 'sqlite', file });
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely);
    expect(Number(rows[0]?.wal_autocheckpoint)).toBe(0);

    await sql`create table blobs (id integer primary key, body text not null)`.execute(db.kysely);
    const before = size(file);
    // About 4 MB in one commit: well past SQLite's 1,000-page automatic checkpoint, which is off here.
    await db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < 1000; i++) {
        await sql`insert into blobs (id, body) values (${i}, ${'x'.repeat(4000)})`.execute(trx);
      }
    });
    expect(size(`${file}-wal`)).toBeGreaterThan(4_000_000);
    expect(await waitFor(() => size(file) > before + 4_000_000, 5_000)).toBe(true);

    await db.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = openDatabase({ dialect: 'sqlite', file });
    const count = await sql<{ n: number }>`select count(*) as n from blobs`.execute(reopened.kysely);
    expect(Number(count.rows[0]?.n)).toBe(1000);
    await reopened.close();
  });

  it('is not started for an in-memory database', async () => {
    const db = openDatabase({ dialect: 'sqlite', file: ':memory:' });
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db.kysely);
    expect(Number(rows[0]?.wal_autocheckpoint)).toBe(1000);
    await db.close();
  });
});
