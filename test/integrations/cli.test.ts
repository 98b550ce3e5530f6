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
import { type RunningSimulators, startSimulators } from '../support/shipped-simulators.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-cli-sync-'));
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
        BETON_ALLOW_PRIVATE_HOSTS: 'true',
        LOG_LEVEL: 'silent',
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

describe('beton integrations / connect / sync / runs', () => {
  let sims: RunningSimulators;

  beforeAll(async () => {
    if (postgresUrl()) await withPg(`create schema ${schema}`);
    sims = await startSimulators({ companies: 20 });
    const init = await beton([
      'init',
      '--workspace',
      'Acme',
      '--email',
      'owner@acme.test',
      '--password',
      'a-long-password-1',
    ]);
    expect(init.code, init.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await sims?.close();
    if (postgresUrl()) await withPg(`drop schema if exists ${schema} cascade`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists integrations, refuses a wrong key, connects, syncs with a summary, and shows the run', async () => {
    const list = await beton(['integrations', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toContainEqual(
      expect.objectContaining({ name: 'attio', status: 'not_connected' }),
    );

    const wrong = await beton([
      'connect',
      'attio',
      '--credential',
      'apiKey=attio_wrong_token_99',
      '--setting',
      `baseUrl=${sims.attio.url}`,
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/rejected the credentials/);
    expect(wrong.stderr).not.toContain('attio_wrong_token_99');

    const connect = await beton([
      'connect',
      'attio',
      '--credential',
      `apiKey=${sims.attio.apiKey}`,
      '--setting',
      `baseUrl=${sims.attio.url}`,
    ]);
    expect(connect.code, connect.stderr).toBe(0);
    expect(connect.stdout).toMatch(/^Connected Attio: /);
    expect(connect.stdout).toContain(`apiKey=…${sims.attio.apiKey.slice(-4)}`);
    expect(connect.stdout).not.toContain(sims.attio.apiKey);

    const sync = await beton(['sync', 'attio', '--stream', 'companies', '--json']);
    expect(sync.code, sync.stderr).toBe(0);
    const done = JSON.parse(sync.stdout);
    expect(done).toMatchObject({ status: 'succeeded', trigger: 'cli', requestedStreams: ['companies'] });
    expect(done.counts.read).toBeGreaterThan(0);

    const text = await beton(['sync', 'attio', '--stream', 'companies']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/attio sync succeeded in [\d.]+ s/);
    expect(text.stdout).toMatch(/unchanged \d+/);

    const runs = await beton(['runs', '--json']);
    const history = JSON.parse(runs.stdout) as Array<{ id: string; status: string }>;
    expect(history.map((r) => r.id)).toContain(done.id);
    const one = await beton(['runs', done.id.slice(0, 8)]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(done.id);
    expect(one.stdout).toMatch(/companies\s+succeeded/);
  }, 180_000);
});
