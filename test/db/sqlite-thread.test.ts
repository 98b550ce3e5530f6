import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, openDatabase, readOnThread, type ThreadResult } from '../../src/db/index.js';

/** A read on another core, on its own connection to the same SQLite file. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-thread-'));
let db: Db;

beforeAll(async () => {
  db = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'beton.sqlite') });
  await sql`create table numbers (n integer not null)`.execute(db.kysely);
  await db.kysely.transaction().execute(async (trx) => {
    for (let n = 1; n <= 100; n++) await sql`insert into numbers (n) values (${n})`.execute(trx);
  });
});
afterAll(async () => {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function double(n: number): number {
  return n * 2;
}

function doubledAbove(connection: Database.Database, input: { min: number }): ThreadResult<Float64Array> {
  const rows = connection
    .prepare('select n from numbers where n > ? order by n')
    .pluck()
    .all(input.min) as number[];
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = double(rows[i]!);
  return { value: out, transfer: [out.buffer as ArrayBuffer] };
}

function failing(connection: Database.Database): ThreadResult<number> {
  return { value: connection.prepare('select * from missing_table').all().length };
}

describe('readOnThread', () => {
  it('runs a self-contained read with its helpers on another connection and hands the result back', async () => {
    const result = await readOnThread(db.kysely, doubledAbove, [double], { min: 97 });
    expect(result).toBeInstanceOf(Float64Array);
    expect([...result!]).toEqual([196, 198, 200]);
  });

  it('sees what this connection committed', async () => {
    await sql`insert into numbers (n) values (1000)`.execute(db.kysely);
    expect([...(await readOnThread(db.kysely, doubledAbove, [double], { min: 100 }))!]).toEqual([2000]);
  });

  it('rejects with the failure the thread met', async () => {
    await expect(readOnThread(db.kysely, failing, [], {})).rejects.toThrow(
      /Background read failed: no such table: missing_table/,
    );
  });

  it('is not offered for an in-memory database', async () => {
    const memory = openDatabase({ dialect: 'sqlite', file: ':memory:' });
    expect(readOnThread(memory.kysely, doubledAbove, [double], { min: 0 })).toBeNull();
    await memory.close();
  });
});
