import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeArgsFor } from '../support/bundle.js';
import { createTestRuntime, postgresUrl, type TestRuntime } from '../support/index.js';

/**
 * The disk under a SQLite database failing: full (simulated with SQLite's `max_page_count`, which
 * fails writes exactly as a full disk does: SQLITE_FULL), read-only (`query_only` on the live
 * connection: SQLITE_READONLY; an immutable data directory at start-up), or a data directory that
 * cannot exist. Each answers with what is wrong and where — the data directory and what to do —
 * instead of "cannot rollback - no transaction is active" or "unexpected error", and `/readyz`
 * reports a database that cannot write until it can again.
 */
const onSqlite = !postgresUrl();
let t: TestRuntime;

beforeAll(async () => {
  if (onSqlite) t = await createTestRuntime();
});
afterAll(async () => {
  await t?.close();
});

const createKey = (i: number) =>
  t.request('POST', '/api/v1/api-keys', { key: t.keys.admin, body: { name: `key ${i} ${'x'.repeat(80)}` } });

describe.runIf(onSqlite)('a full disk', () => {
  afterEach(() => {
    t.rt.db.sqlite!.pragma('max_page_count = 1073741823');
  });

  it('answers 503 storage_full naming the data directory, and /readyz reports it', async () => {
    expect((await t.request('GET', '/readyz')).status).toBe(200);
    const sqlite = t.rt.db.sqlite!;
    sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true })}`);
    let res = await createKey(0);
    for (let i = 1; i < 400 && res.status === 201; i++) res = await createKey(i);
    expect(res.status, res.text).toBe(503);
    expect(res.json.error.code).toBe('storage_full');
    expect(res.json.error.message).toContain(t.config.dataDir);
    expect(res.json.error.message).toMatch(/is full \(SQLITE_FULL\).*Free space/);
    expect(res.text).not.toMatch(/cannot rollback|no transaction is active/);

    const ready = await t.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({
      status: 'unavailable',
      database: 'cannot_write',
      code: 'storage_full',
    });
    expect(ready.json.reason).toContain(t.config.dataDir);

    // Room again: the next write goes through and the database is ready again.
    sqlite.pragma('max_page_count = 1073741823');
    expect((await createKey(1000)).status).toBe(201);
    expect((await t.request('GET', '/readyz')).status).toBe(200);
  });
});

describe.runIf(onSqlite)('a read-only database', () => {
  afterEach(() => {
    t.rt.db.sqlite!.pragma('query_only = OFF');
  });

  it('answers 503 storage_read_only naming the database, and /readyz reports it', async () => {
    t.rt.db.sqlite!.pragma('query_only = ON');
    const res = await createKey(2000);
    expect(res.status, res.text).toBe(503);
    expect(res.json.error.code).toBe('storage_read_only');
    expect(res.json.error.message).toContain(path.join(t.config.dataDir, 'beton.sqlite'));
    expect(res.json.error.message).toMatch(/write access/);

    const ready = await t.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ database: 'cannot_write', code: 'storage_read_only' });

    t.rt.db.sqlite!.pragma('query_only = OFF');
    expect((await createKey(2001)).status).toBe(201);
    expect((await t.request('GET', '/readyz')).status).toBe(200);
  });
});

// Starts the CLI (the first start builds its bundle): generous under a loaded machine.
describe.runIf(onSqlite)('a data directory Beton cannot use, at start-up', { timeout: 120_000 }, () => {
  const cli = nodeArgsFor('src/cli/main.ts');
  const run = promisify(execFile);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-disk-'));
  const k1 = `k1:${randomBytes(32).toString('base64')}`;
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  async function beton(dataDir: string) {
    try {
      await run(process.execPath, [...(await cli), 'workspaces', 'list'], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, BETON_ENCRYPTION_KEYS: k1 },
      });
      return { code: 0, stderr: '' };
    } catch (e) {
      return e as { code: number; stderr: string };
    }
  }

  it('a directory under a regular file: says it cannot be opened, and where', async () => {
    const file = path.join(base, 'not-a-dir');
    fs.writeFileSync(file, '');
    const res = await beton(path.join(file, 'data'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(path.join(file, 'data'));
    expect(res.stderr).toMatch(/cannot be opened \(ENOTDIR\).*BETON_DATA_DIR/);
    expect(res.stderr).not.toMatch(/unexpected error/);
  });

  it('a read-only directory: says it cannot be written, and where', async () => {
    const dir = path.join(base, 'read-only');
    fs.mkdirSync(dir);
    // Root ignores permission bits: an immutable directory refuses new files even to root.
    const asRoot = process.getuid?.() === 0;
    try {
      if (asRoot) await run('chattr', ['+i', dir]);
      else fs.chmodSync(dir, 0o500);
    } catch {
      return; // No way to make a directory read-only here (chattr unsupported): nothing to test.
    }
    try {
      const res = await beton(dir);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(dir);
      expect(res.stderr).toMatch(/cannot be written \((EACCES|EPERM|EROFS)\).*write access/);
      expect(res.stderr).not.toMatch(/unexpected error/);
    } finally {
      if (asRoot) await run('chattr', ['-i', dir]);
      else fs.chmodSync(dir, 0o700);
    }
  });
});
