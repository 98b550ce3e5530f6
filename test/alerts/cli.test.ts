import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/runtime/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { seedWorkspace, testConfig } from '../support/index.js';

/** `beton alerts rules|history|digest` with --json, against a SQLite data directory. */

const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-alerts-cli-'));
const key = `k1:${randomBytes(32).toString('base64')}`;
let workspace = '';

async function beton(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args, '--workspace', workspace], {
      cwd: root,
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, BETON_ENCRYPTION_KEYS: key },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  const rt = await createRuntime(testConfig({ BETON_ENCRYPTION_KEYS: key, DATABASE_URL: '' }, dataDir));
  try {
    workspace = (await seedWorkspace(rt, 'CLI alerts')).workspaceId;
  } finally {
    await rt.close();
  }
}, 120_000);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('beton alerts', { timeout: 300_000 }, () => {
  it('creates, lists and deletes a rule; bad quiet hours are refused with what to do', async () => {
    const created = await beton([
      'alerts',
      'rules',
      'create',
      'Churn to CS',
      '--channel',
      'C123',
      '--directions',
      'churn',
      '--quiet',
      'Europe/Berlin,20:00,08:00',
      '--cap',
      '5',
      '--json',
    ]);
    expect(created.stderr).toBe('');
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'Churn to CS',
      signals: { directions: ['churn'] },
      quietHours: { timeZone: 'Europe/Berlin', start: '20:00', end: '08:00' },
      capPerRun: 5,
    });
    const listed = JSON.parse((await beton(['alerts', 'rules', 'list', '--json'])).stdout);
    expect(listed.map((r: { name: string }) => r.name)).toEqual(['Churn to CS']);
    const bad = await beton([
      'alerts',
      'rules',
      'create',
      'x',
      '--channel',
      'C1',
      '--quiet',
      'Nowhere/Place,20:00,08:00',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('IANA time zone');
    expect(JSON.parse((await beton(['alerts', 'history', '--json'])).stdout)).toEqual([]);
    expect((await beton(['alerts', 'rules', 'delete', 'Churn to CS'])).code).toBe(0);
  });

  it('schedules a digest; with nothing new, sending it sends nothing', async () => {
    const created = await beton([
      'alerts',
      'digest',
      'create',
      'Monday',
      '--weekly',
      '--email',
      'cs@acme.test',
      '--json',
    ]);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'Monday',
      frequency: 'weekly',
      emails: ['cs@acme.test'],
    });
    const preview = JSON.parse((await beton(['alerts', 'digest', 'preview', 'Monday', '--json'])).stdout);
    expect(preview).toMatchObject({ empty: true });
    const sent = JSON.parse((await beton(['alerts', 'digest', 'send', 'Monday', '--json'])).stdout);
    expect(sent.status).toBe('empty');
  });

  it("creates a rule messaging each account's owner, narrowed by owner; an owner digest", async () => {
    const rule = await beton([
      'alerts',
      'rules',
      'create',
      'Churn to the owner',
      '--to-owner',
      '--owner',
      'ann@seller.io,none',
      '--directions',
      'churn',
      '--json',
    ]);
    expect(rule.stderr).toBe('');
    expect(JSON.parse(rule.stdout)).toMatchObject({
      destination: { kind: 'owner' },
      filter: { owner: 'ann@seller.io,none' },
    });
    const listed = await beton(['alerts', 'rules', 'list']);
    expect(listed.stdout).toContain("the account's owner (direct message)");
    const both = await beton(['alerts', 'rules', 'create', 'Both', '--to-owner', '--channel', 'C1']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('Give one destination');
    const digest = await beton([
      'alerts',
      'digest',
      'create',
      'Per owner',
      '--per-owner',
      'message,email',
      '--json',
    ]);
    expect(JSON.parse(digest.stdout)).toMatchObject({ scope: 'owner', ownerVia: ['message', 'email'] });
    const preview = await beton([
      'alerts',
      'digest',
      'preview',
      'Per owner',
      '--owner',
      'ann@seller.io',
      '--json',
    ]);
    expect(JSON.parse(preview.stdout)).toMatchObject({ empty: true });
    const sent = await beton(['alerts', 'digest', 'send', 'Per owner', '--json']);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'empty', owners: [] });
  });
});
