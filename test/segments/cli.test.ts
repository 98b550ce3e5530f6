import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTER_FLAGS } from '../../src/cli/commands/segments.js';
import { createRuntime } from '../../src/runtime/index.js';
import { accountFilterShape } from '../../src/scoring/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl, seedWorkspace, testConfig } from '../support/index.js';
import { seedAccounts, WORLD } from './world.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-seg-cli-'));
const schema = `t_${randomBytes(6).toString('hex')}`;
const key = `k1:${randomBytes(32).toString('base64')}`;
const dbEnv: Record<string, string> = postgresUrl()
  ? { DATABASE_URL: `${postgresUrl()}?options=-c%20search_path%3D${schema}` }
  : {};
let workspace = '';

async function beton(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args, '--workspace', workspace], {
      cwd: root,
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, BETON_ENCRYPTION_KEYS: key, ...dbEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function withPg(text: string) {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (postgresUrl()) await withPg(`create schema ${schema}`);
  const rt = await createRuntime(testConfig({ ...dbEnv, BETON_ENCRYPTION_KEYS: key }, dataDir));
  try {
    workspace = (await seedWorkspace(rt, 'CLI segments')).workspaceId;
    await seedAccounts(rt.db.kysely, workspace, WORLD);
    const { refreshAccountFacets } = await import('../../src/segments/index.js');
    await refreshAccountFacets(rt.db.kysely, workspace, new Date());
  } finally {
    await rt.close();
  }
}, 120_000);
afterAll(async () => {
  if (postgresUrl()) await withPg(`drop schema if exists ${schema} cascade`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('beton segments / beton accounts', { timeout: 300_000 }, () => {
  it('has a flag for every field of the accounts filter', () => {
    expect(FILTER_FLAGS.map(([f]) => f).sort()).toEqual(Object.keys(accountFilterShape).sort());
  });

  it('creates, lists, shows members, streams CSV and JSON lines, deletes', async () => {
    const created = await beton(['segments', 'create', 'Pro plans', '--plan', 'pro', '--json']);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'Pro plans',
      memberCount: 3,
      filter: { plan: 'pro' },
    });
    const list = JSON.parse((await beton(['segments', 'list', '--json'])).stdout);
    expect(list.map((s: { name: string }) => s.name)).toEqual(['Pro plans']);
    const members = JSON.parse((await beton(['segments', 'members', 'Pro plans', '--json'])).stdout);
    expect(members.items.map((m: { domain: string }) => m.domain).sort()).toEqual([
      'acme.io',
      'initech.net',
      'umbrella.org',
    ]);
    const csv = await beton(['segments', 'members', 'Pro plans', '--csv', '--columns', 'domain,name']);
    expect(csv.stdout.split('\r\n').filter(Boolean).sort()).toEqual(
      ['acme.io,Acme', "umbrella.org,'+Umbrella", 'initech.net,Initech', 'domain,name'].sort(),
    );
    const jsonl = await beton([
      'accounts',
      '--segment',
      'Pro plans',
      '--source',
      'attio',
      '--jsonl',
      '--columns',
      'domain',
    ]);
    expect(
      jsonl.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).domain)
        .sort(),
    ).toEqual(['acme.io', 'initech.net']);
    const updated = await beton(['segments', 'update', 'Pro plans', '--billing', 'trialing', '--json']);
    expect(JSON.parse(updated.stdout).memberCount).toBe(2);
    const bad = await beton(['accounts', '--billing', 'free']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--billing');
    const deleted = await beton(['segments', 'delete', 'Pro plans']);
    expect(deleted.stdout).toContain('Deleted segment "Pro plans"');
    const missing = await beton(['segments', 'show', 'Pro plans']);
    expect(missing.code).toBe(1);
  });

  it('filters accounts by owner, lists the owners, and exports who owns each', async () => {
    const owned = JSON.parse((await beton(['accounts', '--owner', 'ANN@seller.io', '--json'])).stdout);
    expect(owned.items.map((a: { domain: string }) => a.domain).sort()).toEqual(['acme.io', 'globex.com']);
    expect(owned.items[0].owner).toEqual({ email: 'ann@seller.io', name: null });
    const text = await beton(['accounts', '--owner', 'none']);
    expect(text.stdout).toContain('hooli.xyz');
    expect(text.stdout).not.toContain('acme.io');
    const owners = JSON.parse((await beton(['accounts', 'owners', '--json'])).stdout);
    expect(owners.items).toEqual([
      { email: 'ann@seller.io', name: null, accounts: 2 },
      { email: 'bo@seller.io', name: null, accounts: 1 },
    ]);
    const csv = await beton(['accounts', '--owner', 'bo@seller.io', '--csv', '--columns', 'domain,owner']);
    expect(csv.stdout.split('\r\n').filter(Boolean)).toEqual(['domain,owner', 'initech.net,bo@seller.io']);
    const bad = await beton(['accounts', '--owner', 'ann']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--owner');
  });
});
