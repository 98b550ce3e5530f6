import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { scrubSecrets } from '../../src/core/redact.js';
import { createTestRuntime, storeConnection, type TestRuntime } from '../support/index.js';

/**
 * A hostile upstream that echoes the key back transformed — upper case, base64 (alone or as
 * `user:key`), base64url, %-encoded, hex, split in two — never gets it past the scrubber: not into
 * the PUT's error, the connection's `lastError`, a sync run's error, the log or the database. And
 * members and viewers read only the class of a service's failure; admins read the scrubbed message.
 */
const KEY = `atk_${randomBytes(18).toString('hex')}`; // not key-shaped: only the known-secret net catches it

const b64 = (s: string) => Buffer.from(s).toString('base64');
const TRANSFORMS: Record<string, (k: string) => string> = {
  upper: (k) => `Invalid token ${k.toUpperCase()}`,
  base64: (k) => `token=${b64(k)}`,
  basic: (k) => `Authorization: Basic ${b64(`beton:${k}`)}`,
  base64url: (k) => `t=${Buffer.from(`xy${k}`).toString('base64url')}`,
  urlencoded: (k) => `see https://api.example.test/check?token=${encodeURIComponent(`${k}&`)}`,
  hex: (k) => `raw ${Buffer.from(k).toString('hex').toUpperCase()}`,
  split: (k) => `token starts ${k.slice(0, 20)} and ends ${k.slice(20)}`,
  mixed: (k) => `${k.slice(0, 14).toUpperCase()}…${b64(k.slice(14))}`,
};

/** Every 12-character window of the key, and of its plain encodings, as lower case. */
function pieces(): string[] {
  const out = new Set<string>();
  const hex = Buffer.from(KEY).toString('hex');
  for (const spelling of [KEY, hex]) {
    for (let i = 0; i + 12 <= spelling.length; i++) out.add(spelling.slice(i, i + 12).toLowerCase());
  }
  for (const pad of ['', 'x', 'xy', 'beton:']) {
    const text = b64(pad + KEY);
    for (let i = 8; i + 12 <= text.length - 4; i++) out.add(text.slice(i, i + 12).toLowerCase());
  }
  return [...out];
}
const PIECES = pieces();
function expectNoKey(text: string, where: string) {
  const lower = text.toLowerCase();
  const found = PIECES.find((p) => lower.includes(p));
  expect(found, `${where} holds a piece of the key: ${text.slice(0, 400)}`).toBeUndefined();
}

let mode = 'upper';
let upstream: http.Server;
let upstreamUrl = '';
let t: TestRuntime;
const logLines: string[] = [];

beforeAll(async () => {
  upstream = http.createServer((_req, res) => {
    res
      .writeHead(401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: TRANSFORMS[mode]!(KEY) } }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await createTestRuntime({
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' },
    logger: createLogger({ level: 'debug', destination: sink }),
    httpOptions: { retry: { maxAttempts: 1 }, timeoutMs: 3000 },
  });
  await t.rt.jobs.start();
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => upstream?.close(r));
});

describe('scrubSecrets', () => {
  it('removes the key in every transform, and leaves other text alone', () => {
    for (const [name, transform] of Object.entries(TRANSFORMS)) {
      expectNoKey(scrubSecrets(transform(KEY), [KEY]), name);
      expect(scrubSecrets(transform(KEY), [KEY]), name).toContain('[redacted]');
    }
    expect(scrubSecrets('nothing secret here, just words and 12345678901234', [KEY])).toBe(
      'nothing secret here, just words and 12345678901234',
    );
    // Short values are not treated as secrets (they would eat ordinary words).
    expect(scrubSecrets('a test of the scrubber', ['test'])).toBe('a test of the scrubber');
  });
});

describe('a hostile upstream echoing the key', () => {
  it('never gets it into the PUT answer', async () => {
    for (const name of Object.keys(TRANSFORMS)) {
      mode = name;
      const res = await t.request('PUT', '/api/v1/integrations/attio', {
        key: t.keys.admin,
        body: { credentials: { apiKey: KEY }, settings: { baseUrl: upstreamUrl } },
      });
      expect(res.status, name).toBe(400);
      expect(res.json.error.code).toBe('invalid_credentials');
      expectNoKey(res.text, `PUT answer (${name})`);
    }
  });

  it('never gets it into lastError, a run error, the log or the database; viewers read only the class', async () => {
    await storeConnection(t.rt, t.workspaceId, 'attio', {
      secrets: { apiKey: KEY },
      settings: { baseUrl: upstreamUrl },
    });

    mode = 'basic';
    const started = await t.request('POST', '/api/v1/integrations/attio/sync', { key: t.keys.member });
    expect(started.status).toBe(202);
    let run = started.json.run;
    for (let i = 0; i < 200 && ['queued', 'running'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await t.request('GET', `/api/v1/sync-runs/${started.json.runId}`, { key: t.keys.admin })).json
        .run;
    }
    expect(run.status).toBe('failed');
    expect(run.error.code).toBe('upstream_auth');
    expectNoKey(JSON.stringify(run), 'run (admin)');
    expect(run.error.message).toContain('[redacted]');

    mode = 'split';
    const tested = await t.request('POST', '/api/v1/integrations/attio/test', { key: t.keys.admin });
    expect(tested.status).toBe(400);
    expectNoKey(tested.text, 'test answer');

    const admin = await t.request('GET', '/api/v1/integrations/attio', { key: t.keys.admin });
    const lastError = admin.json.integration.connection.lastError as string;
    expect(lastError).toMatch(/rejected the credentials/);
    expectNoKey(lastError, 'lastError (admin)');

    for (const role of ['viewer', 'member'] as const) {
      const one = await t.request('GET', '/api/v1/integrations/attio', { key: t.keys[role] });
      expect(one.json.integration.connection.lastError, role).toBe(
        'The service rejected the credentials. An admin can see the details.',
      );
      const list = await t.request('GET', '/api/v1/integrations', { key: t.keys[role] });
      const attio = list.json.integrations.find((i: { name: string }) => i.name === 'attio');
      expect(attio.connection.lastError).toBe(
        'The service rejected the credentials. An admin can see the details.',
      );
      const viewed = await t.request('GET', `/api/v1/sync-runs/${started.json.runId}`, { key: t.keys[role] });
      expect(viewed.json.run.error).toEqual({
        code: 'upstream_auth',
        message: 'The service rejected the credentials. An admin can see the details.',
      });
      expect(viewed.text).not.toContain('[redacted]');
      const runs = await t.request('GET', '/api/v1/sync-runs', { key: t.keys[role] });
      expect(runs.text).not.toContain('[redacted]');
    }

    const connections = await t.rt.db.kysely.selectFrom('connections').selectAll().execute();
    const runsInDb = await t.rt.db.kysely.selectFrom('sync_runs').selectAll().execute();
    expectNoKey(JSON.stringify({ connections, runsInDb }), 'database');
    expectNoKey(logLines.join(''), 'log');
    expect(logLines.join('')).toMatch(/rejected the credentials/);
  });
});
