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

/** `beton accounts snooze|unsnooze` with --json and as text, against a SQLite data directory. */

const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-snooze-cli-'));
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
    workspace = (await seedWorkspace(rt, 'CLI snooze')).workspaceId;
    await seedSignalWorld(rt.db.kysely, workspace, 2);
    await runScore(rt.db.kysely, workspace, { clock: fixedClock(NOW), trigger: 'test' });
  } finally {
    await rt.close();
  }
}, 120_000);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

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
