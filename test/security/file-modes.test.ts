import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl } from '../support/index.js';

/**
 * Beton's files are private to the user running it, whatever the umask: the data directory it
 * creates is 0700; the SQLite database and its -wal and -shm files (created later, lazily, by
 * whichever connection writes first — the server's, or a writer, reader or checkpointer thread's)
 * are 0600, like the key file and the session secret; a world-readable database an older version
 * left is narrowed on open.
 */
const onSqlite = !postgresUrl();
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-modes-'));
const modeOf = (file: string) => fs.statSync(file).mode & 0o777;
let umask = 0;

beforeAll(() => {
  // The usual umask: without Beton's care, files would come out 0644 and directories 0755.
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
  fs.rmSync(base, { recursive: true, force: true });
});

describe.runIf(onSqlite)('file modes', () => {
  it('creates the data directory 0700 and the database, -wal and -shm 0600', async () => {
    const dir = path.join(base, 'fresh', 'data');
    const file = path.join(dir, 'beton.sqlite');
    const db = openDatabase({ dialect: 'sqlite', file });
    try {
      await migrateToLatest(db.kysely);
      expect(modeOf(path.join(base, 'fresh'))).toBe(0o700);
      expect(modeOf(dir)).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f).toString(8), f).toBe('600');
    } finally {
      await db.close();
    }
    // The log files go with the last connection; a thread's own connection makes them anew.
    for (const f of [`${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    const thread = new Database(file);
    thread.pragma('journal_mode = WAL');
    thread.prepare('create table if not exists probe (x)').run();
    thread.prepare('insert into probe values (1)').run();
    try {
      for (const f of [`${file}-wal`, `${file}-shm`]) expect(modeOf(f).toString(8), f).toBe('600');
    } finally {
      thread.close();
    }
  });

  it('narrows a world-readable database left by an older version', async () => {
    const dir = path.join(base, 'old');
    fs.mkdirSync(dir, { mode: 0o755 });
    const file = path.join(dir, 'beton.sqlite');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.prepare('create table t (x)').run();
    old.close();
    fs.chmodSync(file, 0o644);
    const db = openDatabase({ dialect: 'sqlite', file });
    try {
      await migrateToLatest(db.kysely);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f).toString(8), f).toBe('600');
      // A directory the operator made is theirs: left as it is.
      expect(modeOf(dir)).toBe(0o755);
    } finally {
      await db.close();
    }
  });

  // Starts the CLI (the first start in a file builds its bundle): generous under a loaded machine.
  it('a whole start (the CLI) leaves every file in a new data directory private', {
    timeout: 120_000,
  }, async () => {
    const dataDir = path.join(base, 'cli', 'data');
    const cli = await nodeArgsFor('src/cli/main.ts');
    await promisify(execFile)(process.execPath, [...cli, 'workspaces', 'list'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir },
    });
    expect(modeOf(dataDir)).toBe(0o700);
    const files = fs.readdirSync(dataDir);
    expect(files).toEqual(expect.arrayContaining(['beton.sqlite', 'encryption.key', 'auth.secret']));
    for (const f of files) expect(modeOf(path.join(dataDir, f)).toString(8), f).toBe('600');
  });
});
