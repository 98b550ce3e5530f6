import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { runScore } from '../../src/scoring/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { seedWorkspace, testConfig } from '../support/index.js';
import { NOW, seedSignalWorld } from './support/world.js';

/**
 * `beton alerts rules|history|digest` and `beton accounts snooze|unsnooze` with --json, against a
 * SQLite data directory (two accounts with signals, scored).
 */

const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-alerts-cli-'));
const key = `k1:${randomBytes(32).toString('base64')}`;
const DAY_MS = 86_400_000;
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
    await seedSignalWorld(rt.db.kysely, workspace, 2);
    await runScore(rt.db.kysely, workspace, { clock: fixedClock(NOW), trigger: 'test' });
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

describe('beton accounts snooze', { timeout: 300_000 }, () => {
  it('snoozes by domain for N days with a note, lifts it once, and says so', async () => {
    const before = Date.now();
    const set = await beton([
      'accounts',
      'snooze',
      'co0.io',
      'future_cancellation',
      '--days',
      '7',
      '--note',
      'renewal call booked',
      '--json',
    ]);
    expect(set.stderr).toBe('');
    const { snooze, alertsHeld } = JSON.parse(set.stdout);
    expect(alertsHeld).toBe(0);
    expect(snooze).toMatchObject({
      signal: 'future_cancellation',
      note: 'renewal call booked',
      by: { type: 'cli', id: null, name: 'beton CLI' },
    });
    expect(snooze.accountId).toMatch(/^acc_/);
    expect(Date.parse(snooze.until)).toBeGreaterThanOrEqual(before + 7 * DAY_MS);
    expect(Date.parse(snooze.until)).toBeLessThan(before + 8 * DAY_MS);

    const text = await beton(['accounts', 'snooze', snooze.accountId, 'future_cancellation']);
    expect(text.stdout).toMatch(
      /^Snoozed future_cancellation alerts for acc_\w+ until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(30 days\)\.\n$/,
    );

    const lifted = JSON.parse(
      (await beton(['accounts', 'unsnooze', 'co0.io', 'future_cancellation', '--json'])).stdout,
    );
    expect(lifted.lifted).toMatchObject({ accountId: snooze.accountId, signal: 'future_cancellation' });
    const again = await beton(['accounts', 'unsnooze', 'co0.io', 'future_cancellation']);
    expect(again.stdout).toBe('future_cancellation alerts for co0.io were not snoozed; nothing changed.\n');
  });

  it('refuses a bad --days, an unknown signal and an unknown account with what to do', async () => {
    const days = await beton(['accounts', 'snooze', 'co0.io', 'future_cancellation', '--days', '400']);
    expect(days.code).toBe(1);
    expect(days.stderr).toContain('--days: a whole number of days from 1 to 365');
    const signal = await beton(['accounts', 'snooze', 'co0.io', 'nope']);
    expect(signal.code).toBe(1);
    expect(signal.stderr).toContain('Signal "nope"');
    const account = await beton(['accounts', 'unsnooze', 'nowhere.io', 'future_cancellation']);
    expect(account.code).toBe(1);
    expect(account.stderr).toContain('was not found in this workspace');
  });
});
