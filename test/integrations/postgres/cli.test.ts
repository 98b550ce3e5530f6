import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeArgsFor } from '../../support/bundle.js';
import { postgresUrl } from '../../support/index.js';
import { createSourceSchema, type SourceSchema, sourceUrl } from './support.js';

/**
 * `beton connect postgres` and `beton sync postgres` come from the platform: the verbs every
 * integration gets. Connecting prints the check's first rows (and answers them with --json); a
 * refused query exits 1 with the reason.
 */
const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-pg-cli-'));
const betonSchema = `t_${randomBytes(6).toString('hex')}`;
const keys = `k1:${randomBytes(32).toString('base64')}`;
const dbEnv: Record<string, string> = postgresUrl()
  ? {
      DATABASE_URL: `${postgresUrl()}${postgresUrl()!.includes('?') ? '&' : '?'}options=-c%20search_path%3D${betonSchema}`,
    }
  : {};

async function beton(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        BETON_DATA_DIR: dataDir,
        BETON_ENCRYPTION_KEYS: keys,
        // The source listens on 127.0.0.1, as a database on a self-hosted install's own network.
        BETON_ALLOW_PRIVATE_HOSTS: 'true',
        ...dbEnv,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

async function onBetonDb(sql: string) {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let src: SourceSchema;
const usageQuery = () =>
  `select account as account_key, day, event, n as count, 1 as persons from ${src.name}.usage where day >= $1::date`;

beforeAll(async () => {
  if (postgresUrl()) await onBetonDb(`create schema ${betonSchema}`);
  src = await createSourceSchema();
  await src.exec(`create table ${src.name}.usage (account text, day date, event text, n int)`);
  await src.exec(
    `insert into ${src.name}.usage values ('acme.io', current_date - 1, 'Report Exported', 7), ('globex.com', current_date - 2, 'Login', 3)`,
  );
});
afterAll(async () => {
  await src?.drop();
  if (postgresUrl()) await onBetonDb(`drop schema if exists ${betonSchema} cascade`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('beton connect postgres', { timeout: 120_000 }, () => {
  it('connects with the check printed, then syncs', async () => {
    expect((await beton(['init', '--json'])).code).toBe(0);
    const bad = await beton([
      'connect',
      'postgres',
      '--credential',
      `connectionString=${sourceUrl()}`,
      '--setting',
      `usageQuery=select * from ${src.name}.usage where day >= $1::date`,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /must return the columns account_key, day, event, count; it returns account, day, event, n/,
    );

    const text = await beton([
      'connect',
      'postgres',
      '--credential',
      `connectionString=${sourceUrl()}`,
      '--setting',
      `usageQuery=${usageQuery()}`,
    ]);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/^Connected Postgres \(SQL source\): postgres@127\.0\.0\.1:\d+\/postgres/);
    expect(text.stdout).toMatch(
      /The usage query: first 2 rows:\n\s+account_key\tday\tevent\tcount\tpersons\n\s+acme\.io\t\d{4}-\d\d-\d\d\tReport Exported\t7\t1/,
    );

    const json = JSON.parse((await beton(['connect', 'postgres', '--json'])).stdout);
    expect(json.preview[0].rows).toHaveLength(2);
    expect(json.preview[0].columns).toEqual(['account_key', 'day', 'event', 'count', 'persons']);
    expect(json.connection.credentials.connectionString).toMatch(/^…/);

    const synced = await beton(['sync', 'postgres', '--json']);
    expect(synced.code, synced.stderr).toBe(0);
    const runJson = JSON.parse(synced.stdout);
    expect(runJson.status ?? runJson.run?.status).toBe('succeeded');
  });
});
