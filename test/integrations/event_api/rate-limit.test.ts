import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KeyRateLimiter } from '../../../src/ingest/index.js';
import events, { applyCalls, parseCalls } from '../../../src/integrations/event_api/index.js';
import { baseUrlSetting, defineIntegration } from '../../../src/integrations/index.js';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';

/**
 * The ingest capability's per-key rate over real HTTP: an integration declaring 1 request a second
 * (bursts of 2) answers a burst of 10 requests with 429s with Retry-After, and another key is not held
 * back. The calls are the event endpoint's parser and mapper under another name and limit.
 */
const slow = defineIntegration({
  name: 'slow_ingest',
  displayName: 'Slow ingest',
  description: 'An ingest endpoint with a tiny rate, for the 429 test',
  category: 'other',
  roles: ['source'],
  docs: { keyUrl: 'https://example.com', scopes: [], setup: 'docs/integrations/event_api.md' },
  credentials: z.object({}),
  settings: z.object({ baseUrl: baseUrlSetting('https://example.com') }),
  rateLimit: { perSecond: 1 },
  defaultBaseUrl: 'https://example.invalid',
  auth: () => ({}),
  client: () => ({}),
  validate: async () => ({ accountLabel: 'slow' }),
  streams: { ...events.streams },
  ingest: {
    description: 'test',
    calls: ['track', 'batch'],
    limits: { callBytes: 32 * 1024, requestBytes: 500 * 1024, requestsPerSecond: 1 },
    parse: (call, body, limits) => parseCalls(call, body as Record<string, unknown>, limits),
    apply: applyCalls,
  },
});

let t: TestRuntime;
const keys: string[] = [];
beforeAll(async () => {
  t = await createTestRuntime({ integrations: [slow] });
  expect(
    (await t.request('PUT', '/api/v1/integrations/slow_ingest', { key: t.keys.admin, body: {} })).status,
  ).toBe(200);
  for (let i = 0; i < 2; i++) {
    const res = await t.request('POST', '/api/v1/integrations/slow_ingest/ingest/keys', {
      key: t.keys.admin,
    });
    keys.push(res.json.key.key);
  }
});
afterAll(() => t?.close());

const track = (key: string, n: number) =>
  fetch(`${t.baseUrl}/v1/track`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ messageId: `rate-${key.slice(-6)}-${n}`, userId: 'u', event: 'e' }),
  });

describe('per write key rate', () => {
  it('answers 429 with Retry-After past the burst, per key', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => track(keys[0]!, i)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    const limited = answers.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).error.message).toContain('batch');
    expect((await track(keys[1]!, 0)).status).toBe(200);
  });

  it('refills at the declared rate', () => {
    let now = 0;
    const limiter = new KeyRateLimiter(() => now);
    const taken = Array.from({ length: 5 }, () => limiter.take('k', 2));
    expect(taken).toEqual([0, 0, 0, 0, 1]);
    now += 500;
    expect(limiter.take('k', 2)).toBe(0);
    expect(limiter.take('k', 2)).toBeGreaterThan(0);
  });
});
