import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { createTestRuntime, signIn, type TestRuntime } from '../support/index.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ logger: createLogger({ level: 'info', destination: sink }) });
});
afterAll(() => t?.close());

describe('request logs', () => {
  it('record method, path and status but never keys, cookies or passwords', async () => {
    const cookie = await signIn(t, t.users.owner);
    await t.request('GET', `/api/v1/me?leak=${t.keys.admin}`, { key: t.keys.viewer });
    await t.request('GET', '/api/v1/me', { headers: { cookie } });
    const created = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.admin,
      body: { name: 'logged' },
    });
    await new Promise((r) => setImmediate(r));
    const out = lines.join('');
    expect(out).toContain('"method":"GET"');
    expect(out).toContain('"statusCode":200');
    for (const secret of [t.keys.admin, t.keys.viewer, created.json.key, t.users.owner.password]) {
      expect(out).not.toContain(secret);
    }
    expect(out).not.toContain(cookie.split('=')[1]!.slice(0, 20));
  });
});
