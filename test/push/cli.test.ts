import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApolloSimulator,
  createApolloSimulator,
} from '../../src/integrations/apollo/simulator/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl, testConfig } from '../support/index.js';

/** The CLI, bundled once for this file: each run is a full Node start. */
const cli = await nodeArgsFor('src/cli/main.ts');

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-push-cli-'));
const schema = `t_${randomBytes(6).toString('hex')}`;
const keys = `k1:${randomBytes(32).toString('base64')}`;
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
        BETON_ENCRYPTION_KEYS: keys,
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

async function withPg(sql: string) {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let attio: AttioSimulator;
let apollo: ApolloSimulator;

beforeAll(async () => {
  if (postgresUrl()) await withPg(`create schema ${schema}`);
  attio = createAttioSimulator();
  apollo = createApolloSimulator({
    keys: [{ apiKey: 'apollo_free_key_01', plan: 'free', inaccessible: ['organizations/bulk_enrich'] }],
  });
  await attio.listen();
  await apollo.listen();
  expect((await beton(['init', '--json'])).code).toBe(0);
  const connected = await beton([
    'connect',
    'attio',
    '-c',
    `apiKey=${DEFAULT_ATTIO_TOKEN}`,
    '-s',
    `baseUrl=${attio.url}`,
  ]);
  expect(connected.code, connected.stderr).toBe(0);
  // What a score run leaves: three scored accounts.
  const rt = await createRuntime(testConfig({ ...dbEnv, BETON_ENCRYPTION_KEYS: keys }, dataDir));
  try {
    const ws = (await rt.db.kysely.selectFrom('workspaces').select('id').executeTakeFirstOrThrow()).id;
    const now = new Date().toISOString();
    for (let i = 0; i < 3; i++) {
      await rt.db.kysely
        .insertInto('accounts')
        .values({
          id: `acc_cli_${i}`,
          workspace_id: ws,
          domain: `cli${i}.com`,
          name: `Cli ${i}`,
          name_source: 'domain',
          signup_at: null,
          history_json: null,
          history_hash: null,
          touched_at: null,
          replay_needed: 0,
          link_count: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await rt.db.kysely
        .insertInto('account_scores')
        .values({
          workspace_id: ws,
          account_id: `acc_cli_${i}`,
          health: 60 + i,
          expansion: 30,
          churn_risk: 10,
          fit: null,
          score: 60,
          grade: 'M75',
          top_signals_json: '[]',
          explanation_json: '{}',
          health_history_json: '[]',
          signal_keys: ',',
          row_hash: 'x',
          scored_at: now,
          run_id: null,
        })
        .execute();
    }
  } finally {
    await rt.close();
  }
}, 120_000);

afterAll(async () => {
  await attio?.close();
  await apollo?.close();
  if (postgresUrl()) await withPg(`drop schema if exists ${schema} cascade`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('beton push and beton enrich', () => {
  it('push --dry-run prints the plan and writes nothing; push writes; runs and rollback work with --json', async () => {
    const dry = await beton(['push', 'attio', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('create 3 · update 0');
    expect(dry.stdout).toContain('beton_health: ∅ → 60');
    expect(dry.stdout).toContain('a run would make 10 write calls');
    expect(attio.counters.writes).toBe(0);

    const pushed = await beton(['push', 'attio', '--json']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const runJson = JSON.parse(pushed.stdout);
    expect(runJson).toMatchObject({ status: 'succeeded', counts: { created: 3 } });
    expect(attio.store.countRecords('companies')).toBe(3);

    const runs = JSON.parse((await beton(['push', 'runs', '--json'])).stdout);
    expect(runs[0].id).toBe(runJson.id);

    const rolled = await beton(['push', 'rollback', runJson.id, '--json']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(JSON.parse(rolled.stdout)).toMatchObject({ kind: 'rollback', status: 'succeeded' });
  }, 120_000);

  it('enrich --plan shows the spend; a 403 from Apollo ends the run with a clear message and exit 1', async () => {
    const connected = await beton([
      'connect',
      'apollo',
      '-c',
      'apiKey=apollo_free_key_01',
      '-s',
      `baseUrl=${apollo.url}/api/v1`,
      '-s',
      'monthlyCreditCap=50',
    ]);
    expect(connected.code, connected.stderr).toBe(0);
    const plan = await beton(['enrich', '--plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('3 to enrich in 1 calls of up to 10, at most 3 credits');
    expect(plan.stdout).toContain('cap 50/month');

    const enrich = await beton(['enrich']);
    expect(enrich.code).toBe(1);
    expect(enrich.stderr).toContain('Apollo refused organization enrichment for this key');
    expect(enrich.stderr).toContain('upgrade the Apollo plan');
  }, 120_000);
});
