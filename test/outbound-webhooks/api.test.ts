import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSigned } from '../../src/outbound-webhooks/index.js';
import { createTestRuntime, type TestRuntime, type TestWorkspace } from '../support/index.js';

/**
 * The /webhook-endpoints and /webhook-deliveries API with the SSRF guard on (the default): private
 * URLs refused with what to do, admins write and everyone else reads without secrets, and another
 * workspace sees, tests and redelivers nothing.
 */

// A literal public address: passes the guard without a DNS lookup; nothing is sent to it here.
const PUBLIC_URL = 'https://93.184.215.14/hooks/beton';

let t: TestRuntime;
let other: TestWorkspace;
let endpointId: string;
let secret: string;
let deliveryId: string;

beforeAll(async () => {
  t = await createTestRuntime();
  other = await t.createOtherWorkspace();
});
afterAll(() => t.close());

describe('/api/v1/webhook-endpoints', () => {
  it('refuses private, loopback and metadata URLs and says how to allow a local receiver', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'https://127.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://10.1.2.3/hook',
      'https://[::1]/hook',
      'https://[::ffff:192.168.0.1]/hook',
    ]) {
      const res = await t.request('POST', '/api/v1/webhook-endpoints', {
        key: t.keys.admin,
        body: { url, eventTypes: ['signal.opened'] },
      });
      expect(res.status, url).toBe(400);
      expect(res.json.error.code).toBe('unsafe_url');
      expect(res.json.error.message).toMatch(/https|BETON_ALLOW_PRIVATE_HOSTS/);
    }
    const notUrl = await t.request('POST', '/api/v1/webhook-endpoints', {
      key: t.keys.admin,
      body: { url: 'example.com/hook', eventTypes: ['signal.opened'] },
    });
    expect(notUrl.status).toBe(400);
    expect(notUrl.json.error.message).toContain('https://example.com/webhooks/beton');
    const list = await t.request('GET', '/api/v1/webhook-endpoints', { key: t.keys.admin });
    expect(list.json.items).toEqual([]);

    // Checked again at send time: a stored URL that now points somewhere private is not called.
    const outcome = await postSigned({
      url: 'http://127.0.0.1:9/hook',
      messageId: 'msg_1',
      body: '{}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      allowPrivateHosts: false,
    });
    expect(outcome).toMatchObject({ ok: false, statusCode: null });
    expect(outcome.error).toContain('Refused');
  });

  it('refuses bad input with a clear 400', async () => {
    for (const body of [
      { url: PUBLIC_URL, eventTypes: [] },
      { url: PUBLIC_URL, eventTypes: ['signal.exploded'] },
      { url: PUBLIC_URL, eventTypes: ['signal.opened'], secret: 'whsec_mine' },
      { eventTypes: ['signal.opened'] },
    ]) {
      const res = await t.request('POST', '/api/v1/webhook-endpoints', { key: t.keys.admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('admins write; members and viewers read without the secret', async () => {
    for (const role of ['viewer', 'member'] as const) {
      const denied = await t.request('POST', '/api/v1/webhook-endpoints', {
        key: t.keys[role],
        body: { url: PUBLIC_URL, eventTypes: ['signal.opened'] },
      });
      expect(denied.status, role).toBe(403);
    }
    const created = await t.request('POST', '/api/v1/webhook-endpoints', {
      key: t.keys.admin,
      body: {
        url: PUBLIC_URL,
        description: 'Sequences',
        eventTypes: ['signal.opened', 'signal.opened', 'sync.failed'],
      },
    });
    expect(created.status).toBe(201);
    endpointId = created.json.endpoint.id;
    secret = created.json.secret;
    expect(created.json.endpoint).toMatchObject({
      url: PUBLIC_URL,
      eventTypes: ['signal.opened', 'sync.failed'],
      enabled: true,
    });

    for (const role of ['viewer', 'member'] as const) {
      const list = await t.request('GET', '/api/v1/webhook-endpoints', { key: t.keys[role] });
      expect(list.status).toBe(200);
      expect(list.json.items.map((e: { id: string }) => e.id)).toEqual([endpointId]);
      expect(list.text).not.toContain(secret);
      const id = endpointId;
      const writes: Array<[string, string, unknown]> = [
        ['PATCH', `/api/v1/webhook-endpoints/${id}`, { description: 'x' }],
        ['DELETE', `/api/v1/webhook-endpoints/${id}`, undefined],
        ['POST', `/api/v1/webhook-endpoints/${id}/rotate-secret`, {}],
        ['POST', `/api/v1/webhook-endpoints/${id}/test`, undefined],
      ];
      for (const [method, path, body] of writes) {
        const res = await t.request(method, path, { key: t.keys[role], ...(body ? { body } : {}) });
        expect(res.status, `${role} ${method} ${path}`).toBe(403);
      }
    }

    const test = await t.request('POST', `/api/v1/webhook-endpoints/${endpointId}/test`, {
      key: t.keys.admin,
    });
    expect(test.status).toBe(202);
    deliveryId = test.json.id;
    const redeliver = await t.request('POST', `/api/v1/webhook-deliveries/${deliveryId}/redeliver`, {
      key: t.keys.viewer,
    });
    expect(redeliver.status).toBe(403);
    const read = await t.request('GET', `/api/v1/webhook-deliveries/${deliveryId}`, { key: t.keys.viewer });
    expect(read.status).toBe(200);
    expect(read.json.body).toContain('"type":"webhook.test"');
    expect(read.text).not.toContain(secret);
  });

  it('another workspace cannot see, change, test or redeliver', async () => {
    const key = other.keys.owner;
    const list = await t.request('GET', '/api/v1/webhook-endpoints', { key });
    expect(list.json.items).toEqual([]);
    const log = await t.request('GET', `/api/v1/webhook-deliveries?endpointId=${endpointId}`, { key });
    expect(log.json.items).toEqual([]);
    const attempts: Array<[string, string, unknown]> = [
      ['GET', `/api/v1/webhook-endpoints/${endpointId}`, undefined],
      ['PATCH', `/api/v1/webhook-endpoints/${endpointId}`, { enabled: false }],
      ['POST', `/api/v1/webhook-endpoints/${endpointId}/rotate-secret`, {}],
      ['POST', `/api/v1/webhook-endpoints/${endpointId}/test`, undefined],
      ['DELETE', `/api/v1/webhook-endpoints/${endpointId}`, undefined],
      ['GET', `/api/v1/webhook-deliveries/${deliveryId}`, undefined],
      ['POST', `/api/v1/webhook-deliveries/${deliveryId}/redeliver`, undefined],
    ];
    for (const [method, path, body] of attempts) {
      const res = await t.request(method, path, { key, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const mine = await t.request('GET', `/api/v1/webhook-endpoints/${endpointId}`, { key: t.keys.viewer });
    expect(mine.json).toMatchObject({ enabled: true, description: 'Sequences' });
    const delivery = await t.request('GET', `/api/v1/webhook-deliveries/${deliveryId}`, {
      key: t.keys.viewer,
    });
    expect(delivery.json.attemptLog).toEqual([]);
  });
});
