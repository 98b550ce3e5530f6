import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { originFieldNames } from '../../src/integrations/index.js';
import posthog from '../../src/integrations/posthog/index.js';
import { createTestRuntime, storeConnection, type TestRuntime } from '../support/index.js';

/**
 * The credential-origin rule: a PUT that changes where a stored key is sent (`settings.baseUrl`, or
 * any setting marked as an origin such as PostHog's region) without the key itself is refused with
 * 400 `credentials_required`, and the stored key never reaches the new address. With the key
 * re-entered, the change goes through; other settings still change without retyping the key.
 */
let t: TestRuntime;
let sim: AttioSimulator;
let second: AttioSimulator;
/** A server of the attacker's: records every Authorization header it receives. */
let trap: http.Server;
let trapUrl = '';
const received: string[] = [];

beforeAll(async () => {
  sim = createAttioSimulator({ tokens: [{ token: DEFAULT_ATTIO_TOKEN }] });
  second = createAttioSimulator({ tokens: [{ token: DEFAULT_ATTIO_TOKEN }] });
  await sim.listen();
  await second.listen();
  trap = http.createServer((req, res) => {
    received.push(String(req.headers.authorization ?? ''));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"workspace":{"name":"x"}}}');
  });
  await new Promise<void>((r) => trap.listen(0, '127.0.0.1', r));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
  await second?.close();
  await new Promise((r) => trap?.close(r));
});

const put = (name: string, body: unknown) =>
  t.request('PUT', `/api/v1/integrations/${name}`, { key: t.keys.admin, body });
const storedSettings = async (name: string) =>
  (await t.request('GET', `/api/v1/integrations/${name}`, { key: t.keys.viewer })).json.integration.connection
    .settings;

describe('credential origin', () => {
  it('refuses a baseUrl change without the key, and the key never reaches the new address', async () => {
    expect(
      (await put('attio', { credentials: { apiKey: DEFAULT_ATTIO_TOKEN }, settings: { baseUrl: sim.url } }))
        .status,
    ).toBe(200);

    for (const settings of [{ baseUrl: trapUrl }, { baseUrl: `${trapUrl}/v2` }, { baseUrl: null }]) {
      const res = await put('attio', { settings });
      expect(res.status, JSON.stringify(settings)).toBe(400);
      expect(res.json.error.code).toBe('credentials_required');
      expect(res.json.error.message).toMatch(/settings\.baseUrl.*re-enter the key \(credentials\.apiKey\)/);
      expect(res.json.error.details).toEqual({
        changed: ['settings.baseUrl'],
        required: ['credentials.apiKey'],
      });
    }
    // An empty credentials object, or an empty key, is not re-entering it.
    expect((await put('attio', { credentials: {}, settings: { baseUrl: trapUrl } })).status).toBe(400);
    expect((await put('attio', { credentials: { apiKey: '' }, settings: { baseUrl: trapUrl } })).status).toBe(
      400,
    );
    expect(received).toEqual([]);
    expect(await storedSettings('attio')).toEqual({ baseUrl: sim.url });
  });

  it('still changes other settings without the key, and the same baseUrl is no change', async () => {
    const res = await put('attio', { settings: { baseUrl: sim.url, notes: true } });
    expect(res.status).toBe(200);
    expect(await storedSettings('attio')).toEqual({ baseUrl: sim.url, notes: true });
  });

  it('accepts a new baseUrl together with the key', async () => {
    const res = await put('attio', {
      credentials: { apiKey: DEFAULT_ATTIO_TOKEN },
      settings: { baseUrl: second.url },
    });
    expect(res.status).toBe(200);
    expect((await storedSettings('attio')).baseUrl).toBe(second.url);
    expect(received).toEqual([]);
  });

  it('refuses to point a key from the environment elsewhere', async () => {
    process.env.BETON_ATTIO_API_KEY = DEFAULT_ATTIO_TOKEN;
    try {
      const res = await put('attio', {
        credentials: { apiKey: DEFAULT_ATTIO_TOKEN },
        settings: { baseUrl: trapUrl },
      });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('credentials_required');
      expect(res.json.error.message).toContain('BETON_ATTIO_BASE_URL');
    } finally {
      delete process.env.BETON_ATTIO_API_KEY;
    }
    expect(received).toEqual([]);
  });

  it("treats PostHog's region as an origin: switching us → eu needs the key", async () => {
    expect(originFieldNames(posthog.settings).sort()).toEqual(['baseUrl', 'region']);
    const schema = (await t.request('GET', '/api/v1/integrations/posthog', { key: t.keys.viewer })).json
      .integration.settingsSchema;
    expect(schema.properties.region['x-beton-origin']).toBe(true);
    expect(schema.properties.baseUrl['x-beton-origin']).toBe(true);

    await storeConnection(t.rt, t.workspaceId, 'posthog', {
      secrets: { apiKey: 'phx_origin_test_key_0123456789' },
      settings: { region: 'us', projectId: 1 },
    });
    const res = await put('posthog', { settings: { region: 'eu' } });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('credentials_required');
    expect(res.json.error.details.changed).toEqual(['settings.region']);
    expect(await storedSettings('posthog')).toEqual({ region: 'us', projectId: 1 });
  });
});
