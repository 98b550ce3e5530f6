import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey } from '../../src/auth/index.js';
import { Keyring } from '../../src/core/crypto.js';
import { createRuntime } from '../../src/runtime/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl, storeConnection, testConfig } from '../support/index.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-cli-'));
const schema = `t_${randomBytes(6).toString('hex')}`;
const k1 = `k1:${randomBytes(32).toString('base64')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

/** The database env for the CLI: the temp SQLite file, or a fresh schema via the URL's search_path. */
const dbEnv: Record<string, string> = postgresUrl()
  ? {
      DATABASE_URL: `${postgresUrl()}${postgresUrl()!.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`,
    }
  : {};

async function beton(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, BETON_ENCRYPTION_KEYS: k1, ...dbEnv, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function withPg(sql: string) {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (postgresUrl()) await withPg(`create schema ${schema}`);
});
afterAll(async () => {
  if (postgresUrl()) await withPg(`drop schema if exists ${schema} cascade`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const openRuntime = (keys = k1) =>
  createRuntime(testConfig({ ...dbEnv, BETON_ENCRYPTION_KEYS: keys }, dataDir));

// Each test spawns the CLI a few times (a full Node start each), so they get more time.
describe('beton CLI', { timeout: 120_000 }, () => {
  let initKey = '';

  it('init --json creates a workspace, its owner with a generated password, and a working admin key', async () => {
    const res = await beton(['init', '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.workspace).toMatchObject({ name: 'My workspace', slug: 'my-workspace' });
    expect(out.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(out.apiKey.key).toMatch(/^beton_[a-z0-9]{8}_/);
    initKey = out.apiKey.key;
    const rt = await openRuntime();
    try {
      expect(await authenticateApiKey(rt, initKey)).toMatchObject({
        workspaceId: out.workspace.id,
        role: 'admin',
      });
      const signIn = await rt.auth.api.signInEmail({
        body: { email: out.user.email, password: out.password },
      });
      expect(signIn.user.email).toBe('owner@beton.local');
    } finally {
      await rt.close();
    }
  });

  it('refuses a second init with the same email, in one line', async () => {
    const res = await beton(['init', '--workspace', 'Second', '--password', 'another-long-password']);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^beton: A user with email .* already exists/),
    ]);
  });

  it('lists workspaces and manages API keys with --json', async () => {
    const list = JSON.parse((await beton(['workspaces', 'list', '--json'])).stdout);
    expect(list).toHaveLength(1);

    const created = JSON.parse(
      (await beton(['apikey', 'create', '--name', 'ci', '--role', 'viewer', '--json'])).stdout,
    );
    expect(created).toMatchObject({ name: 'ci', role: 'viewer', workspace: 'my-workspace' });
    expect(created.key).toMatch(/^beton_/);

    const text = await beton(['apikey', 'list']);
    expect(text.stdout).toMatch(/PREFIX\s+NAME\s+ROLE/);
    expect(text.stdout).toContain(created.prefix);
    expect(text.stdout).not.toContain(created.key);

    expect((await beton(['apikey', 'revoke', created.prefix])).stdout).toContain(`Revoked ${created.prefix}`);
    const keys = JSON.parse((await beton(['apikey', 'list', '--json'])).stdout);
    expect(keys.find((k: { prefix: string }) => k.prefix === created.prefix).revokedAt).toEqual(
      expect.any(String),
    );

    const bad = await beton(['apikey', 'create', '--role', 'god']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^beton: --role must be one of owner, admin, member, viewer/);
  });

  it('rotates stored secrets to the new key, after which the old key alone cannot start', async () => {
    const rt = await openRuntime();
    try {
      const workspaceId = (await rt.db.kysely.selectFrom('workspaces').select('id').executeTakeFirstOrThrow())
        .id;
      await storeConnection(rt, workspaceId, 'stripe', { secrets: { apiKey: 'sk_test_cli_rotation' } });
    } finally {
      await rt.close();
    }
    const rotated = await beton(['keys', 'rotate', '--json'], { BETON_ENCRYPTION_KEYS: `${k2},${k1}` });
    expect(JSON.parse(rotated.stdout)).toMatchObject({
      activeKey: 'k2',
      rotated: 1,
      remaining: 0,
      keysInUse: ['k2'],
    });

    const refused = await beton(['workspaces', 'list'], { BETON_ENCRYPTION_KEYS: k1 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^beton: Stored secrets were encrypted with key "k2", which is not in the keyring/,
    );

    const ok = await openRuntime(k2);
    expect(Keyring.fromSpec(k2).activeId).toBe(ok.keyring.activeId);
    await ok.close();
  });

  it('stops on a bad setting with one line naming it', async () => {
    const res = await beton(['workspaces', 'list'], { PORT: 'abc' });
    expect(res.code).toBe(1);
    expect(res.stderr.trim()).toMatch(/^beton: Invalid PORT="abc": expected/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prints help for every verb', async () => {
    for (const verb of [['serve'], ['init'], ['migrate'], ['apikey', 'create'], ['keys', 'rotate']]) {
      const res = await beton([...verb, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^Usage: beton /);
    }
  });
});
