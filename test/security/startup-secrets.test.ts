import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { Keyring, loadKeyring } from '../../src/core/crypto.js';
import { nodeArgsFor } from '../support/bundle.js';

/**
 * Start-up errors name the variable (or file) and what is wrong with it, never its value: a
 * malformed BETON_ENCRYPTION_KEYS (a key without its `id:`), a DATABASE_URL with a password, a short
 * BETON_AUTH_SECRET, a bad key file or session secret file. Checked on the real CLI's stderr, for
 * the whole secret and for any 8-character piece of it.
 */
const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-startup-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function beton(env: Record<string, string>, dataDir = tempDir()) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, 'workspaces', 'list'], {
      cwd: root,
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, ...env },
      timeout: 90_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

/** Fail if the secret, or any 8-character piece of it, appears in `text`. */
function expectNoPieceOf(secret: string, text: string) {
  for (let i = 0; i + 8 <= secret.length; i++) {
    const piece = secret.slice(i, i + 8);
    expect(text.includes(piece), `"${piece}" of the secret appears in: ${text}`).toBe(false);
  }
}

const key = () => randomBytes(32).toString('base64');

// Each case starts the CLI (and the first builds its bundle): generous under a loaded machine.
describe('start-up errors keep secrets out', { timeout: 120_000 }, () => {
  it('BETON_ENCRYPTION_KEYS given as a bare key (no id) is named, not shown', async () => {
    const bare = key();
    for (const spec of [bare, `k1:${key()},${bare}`, `${bare}:k1`]) {
      const res = await beton({ BETON_ENCRYPTION_KEYS: spec });
      expect(res.code).toBe(1);
      expect(res.out).toMatch(/BETON_ENCRYPTION_KEYS/);
      expect(res.out).toMatch(/id:base64key/);
      expectNoPieceOf(bare, res.out);
    }
    // The keyring itself (reached by other callers) says which key by position, not by content.
    expect(() => Keyring.fromSpec(bare)).toThrow(/Encryption key 1 of 1 in BETON_ENCRYPTION_KEYS/);
    try {
      Keyring.fromSpec(`${bare.replace(/[+/=]/g, 'A')}:${key()}`);
      expect.unreachable();
    } catch (e) {
      expectNoPieceOf(bare.replace(/[+/=]/g, 'A'), (e as Error).message);
    }
  });

  it('a short BETON_AUTH_SECRET is named with its length only', async () => {
    const secret = 'hunter2-hunter2-abc';
    const res = await beton({ BETON_AUTH_SECRET: secret });
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/BETON_AUTH_SECRET=\(hidden, 19 characters\): expected at least 32 characters/);
    expectNoPieceOf(secret, res.out);
  });

  it('a DATABASE_URL password never appears, malformed or unreachable', async () => {
    const password = 'Sup3rSecretDbPassw0rd';
    for (const url of [
      `postgresql//beton:${password}@127.0.0.1:1/beton`, // malformed: caught by the config check
      `postgres://beton:${password}@127.0.0.1:1/beton`, // nothing listens on port 1
      `postgres://beton:${password}%zz@127.0.0.1:1/beton`, // a bad %-escape for the URL parser
      `postgres://beton:${password}@[::1/beton`, // not a URL at all
    ]) {
      const res = await beton({ DATABASE_URL: url, BETON_ENCRYPTION_KEYS: `k1:${key()}` });
      expect(res.code, url).toBe(1);
      expectNoPieceOf(password, res.out);
    }
    expect(() => loadConfig({ DATABASE_URL: `mysql://beton:${password}@db/beton` })).toThrow(
      /^Invalid DATABASE_URL="mysql:\/\/beton:\*\*\*@db\/beton": expected/,
    );
  });

  it('a bad key file is named by its path, not shown', async () => {
    const dataDir = tempDir();
    const bare = key();
    fs.writeFileSync(path.join(dataDir, 'encryption.key'), `${bare}\n`, { mode: 0o600 });
    const res = await beton({}, dataDir);
    expect(res.code).toBe(1);
    expect(res.out).toContain(path.join(dataDir, 'encryption.key'));
    expectNoPieceOf(bare, res.out);
    expect(() => loadKeyring({ dataDir, mayCreate: false })).toThrow(/in the key file .*encryption\.key/);
  });

  it('a truncated session secret file is named by its path, not shown', async () => {
    const dataDir = tempDir();
    const partial = 'a1b2c3d4e5f6a7b8c9';
    fs.writeFileSync(path.join(dataDir, 'auth.secret'), `${partial}\n`, { mode: 0o600 });
    const res = await beton({ BETON_ENCRYPTION_KEYS: `k1:${key()}` }, dataDir);
    expect(res.code).toBe(1);
    expect(res.out).toContain(path.join(dataDir, 'auth.secret'));
    expect(res.out).toMatch(/at least 32/);
    expectNoPieceOf(partial, res.out);
  });
});
