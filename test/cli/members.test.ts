import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl } from '../support/index.js';

/** `beton members invite` and `beton signup`, run as the operator would. */
const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-cli-members-'));
const schema = `t_${randomBytes(6).toString('hex')}`;
const dbEnv: Record<string, string> = postgresUrl()
  ? {
      DATABASE_URL: `${postgresUrl()}${postgresUrl()!.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`,
    }
  : {};

async function beton(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        BETON_DATA_DIR: dataDir,
        BETON_PUBLIC_URL: 'https://beton.acme.test',
        ...dbEnv,
      },
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

describe('beton members and beton signup', { timeout: 120_000 }, () => {
  it('init still works; sign-up then closes; invite prints a single-use link', async () => {
    expect((await beton(['signup'])).stdout).toContain('Sign-up is open');
    expect((await beton(['init', '--workspace', 'Acme', '--email', 'ada@acme.test'])).code).toBe(0);
    expect(JSON.parse((await beton(['signup', '--json'])).stdout)).toEqual({
      open: false,
      source: 'first_workspace',
    });

    const invite = await beton([
      'members',
      'invite',
      '--email',
      'bo@acme.test',
      '--role',
      'viewer',
      '--json',
    ]);
    expect(invite.code).toBe(0);
    const out = JSON.parse(invite.stdout);
    expect(out).toMatchObject({ email: 'bo@acme.test', role: 'viewer', emailSent: false });
    expect(out.url).toMatch(/^https:\/\/beton\.acme\.test\/invite#[A-Za-z0-9_-]{43}$/);
    const list = JSON.parse((await beton(['members', 'invitations', '--json'])).stdout);
    expect(list.map((i: { email: string }) => i.email)).toEqual(['bo@acme.test']);
    expect((await beton(['members', 'revoke-invitation', out.id])).stdout).toContain('Revoked');
    expect(JSON.parse((await beton(['members', 'invitations', '--json'])).stdout)).toEqual([]);

    expect((await beton(['signup', 'open'])).stdout).toContain('Sign-up is open (beton signup)');
    expect((await beton(['signup', 'sideways'])).code).toBe(1);
  });
});
