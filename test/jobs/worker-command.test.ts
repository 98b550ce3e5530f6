import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl } from '../support/index.js';
import { sqlOnce, waitFor } from './support.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-worker-cli-'));
const schema = `t_${randomBytes(6).toString('hex')}`;
/** SQLite in the temp dir, or a fresh Postgres schema through the URL's search_path. */
const dbEnv: Record<string, string> = postgresUrl()
  ? {
      DATABASE_URL: `${postgresUrl()}${postgresUrl()!.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`,
    }
  : {};

beforeAll(async () => {
  if (postgresUrl()) await sqlOnce(`create schema ${schema}`);
});
let child: ReturnType<typeof spawn> | undefined;
afterAll(async () => {
  // A failed assertion must not leave the worker running.
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (postgresUrl()) await sqlOnce(`drop schema if exists ${schema}, ${schema}_pgboss cascade`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('beton worker', { timeout: 90_000 }, () => {
  it('runs the jobs without an HTTP server and exits 0 on SIGTERM', async () => {
    child = spawn(process.execPath, [...cli, 'worker'], {
      cwd: root,
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...dbEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = child;
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    let out = '';
    worker.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    worker.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    await waitFor('the worker to start', () => out.includes('"worker running"'), 60_000);
    const started = JSON.parse(out.split('\n').find((l) => l.includes('"worker running"'))!);
    expect(started).toMatchObject({ jobs: postgresUrl() ? 'pg-boss' : 'in-process' });
    expect(out).not.toContain('Beton is running at');
    if (postgresUrl()) {
      // The queue lives beside the schema the URL selects, and the sync schedule went through it.
      await waitFor('the schedule job', async () => {
        const rows = await sqlOnce(`select 1 from ${schema}_pgboss.job where name = 'sync.schedule'`).catch(
          () => [],
        );
        return rows.length > 0;
      });
    }
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('worker stopped');
  });
});
