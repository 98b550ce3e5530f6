import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/runtime/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl, seedWorkspace, testConfig } from '../support/index.js';
import { Receiver } from './receiver.js';

/** `beton webhooks …` as a user runs it: a full Node start per command, a receiver verifying signatures. */
const cli = await nodeArgsFor('src/cli/main.ts');
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-webhooks-cli-'));
const schema = `t_${randomBytes(6).toString('hex')}`;
const key = `k1:${randomBytes(32).toString('base64')}`;
const dbEnv: Record<string, string> = postgresUrl()
  ? { DATABASE_URL: `${postgresUrl()}?options=-c%20search_path%3D${schema}` }
  : {};
const receiver = new Receiver();
let workspace = '';

async function beton(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...cli, ...args, '--workspace', workspace], {
      cwd: root,
      env: { PATH: process.env.PATH, BETON_DATA_DIR: dataDir, BETON_ENCRYPTION_KEYS: key, ...dbEnv, ...env },
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
    workspace = (await seedWorkspace(rt, 'CLI webhooks')).workspaceId;
  } finally {
    await rt.close();
  }
  await receiver.start();
}, 120_000);
afterAll(async () => {
  await receiver.stop();
  if (postgresUrl()) await withPg(`drop schema if exists ${schema} cascade`);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('beton webhooks', { timeout: 300_000 }, () => {
  it('adds, tests, lists deliveries, redelivers, rotates and removes', async () => {
    const refused = await beton(['webhooks', 'add', receiver.url, '--events', 'signal.opened']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BETON_ALLOW_PRIVATE_HOSTS');

    const local = { BETON_ALLOW_PRIVATE_HOSTS: 'true' };
    const added = await beton(
      ['webhooks', 'add', receiver.url, '--events', 'signal.opened,sync.failed', '--json'],
      local,
    );
    expect(added.stderr).toBe('');
    const { endpoint, secret } = JSON.parse(added.stdout);
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];

    const list = await beton(['webhooks', 'list']);
    expect(list.stdout).toContain(endpoint.id);
    expect(list.stdout).not.toContain(secret);

    const test = await beton(['webhooks', 'test', endpoint.id], local);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^Delivered \(HTTP 200 in \d+ ms\)/);
    expect(receiver.received.map((r) => r.body.type)).toEqual(['webhook.test']);

    const deliveries = JSON.parse((await beton(['webhooks', 'deliveries', '--json'])).stdout);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ eventType: 'webhook.test', status: 'succeeded', attempts: 1 });

    receiver.answer = 503;
    const again = await beton(['webhooks', 'redeliver', deliveries[0].id], local);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('HTTP 503');

    const rotated = await beton(['webhooks', 'rotate-secret', endpoint.id, '--json']);
    const fresh = JSON.parse(rotated.stdout).secret;
    expect(fresh).not.toBe(secret);
    receiver.answer = 200;
    receiver.secrets = [fresh];
    const afterRotation = await beton(['webhooks', 'redeliver', deliveries[0].id, '--json'], local);
    expect(JSON.parse(afterRotation.stdout)).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });

    const removed = await beton(['webhooks', 'remove', endpoint.id]);
    expect(removed.stdout).toContain('Removed');
    expect(JSON.parse((await beton(['webhooks', 'list', '--json'])).stdout)).toEqual([]);
  });
});
