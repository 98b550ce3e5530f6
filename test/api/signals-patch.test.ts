import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * `GET /api/v1/signals` carries each custom signal's stored definition (so an edit form can be
 * prefilled), and `PATCH /api/v1/signals/:key` merges what it is sent into what is stored, for a
 * built-in as for a custom signal, validating the merged result.
 */
let t: TestRuntime;
let key: string;

const definition = {
  name: 'Heavy exporter',
  description: 'Exports a lot',
  direction: 'expansion',
  events: ['export_clicked', 'report_downloaded'],
  operator: 'gte',
  threshold: 10,
  windowDays: 7,
  weight: 0.8,
};

beforeAll(async () => {
  t = await createTestRuntime();
  const created = await t.request('POST', '/api/v1/signals', { key: t.keys.admin, body: definition });
  expect(created.status).toBe(201);
  key = created.json.signal.key;
});
afterAll(() => t?.close());

const signal = async (k: string) => {
  const res = await t.request('GET', '/api/v1/signals', { key: t.keys.viewer });
  expect(res.status).toBe(200);
  return res.json.signals.find((s: { key: string }) => s.key === k);
};
const patch = (k: string, body: unknown, as = t.keys.admin) =>
  t.request('PATCH', `/api/v1/signals/${encodeURIComponent(k)}`, { key: as, body });

describe('custom signal definitions', () => {
  it('GET /signals exposes a custom signal’s definition, and null for a built-in', async () => {
    expect(await signal(key)).toMatchObject({
      custom: true,
      title: 'Heavy exporter',
      definition: { ...definition, key, enabled: true },
    });
    expect((await signal('usage_spike')).definition).toBeNull();
  });

  it('PATCH with only threshold keeps every other field', async () => {
    const res = await patch(key, { threshold: 25 });
    expect(res.status).toBe(200);
    expect(res.json.signal.definition).toEqual({
      ...definition,
      threshold: 25,
      key,
      id: key.slice(7),
      enabled: true,
    });
    expect((await signal(key)).definition.threshold).toBe(25);
  });

  it('validates the merged result and stores nothing when it is wrong', async () => {
    const bad = await patch(key, { windowDays: 0 });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('windowDays');
    const params = await patch(key, { params: { ratio: 3 } });
    expect(params.status).toBe(400);
    expect(params.json.error.message).toContain('windowDays');
    expect((await signal(key)).definition).toMatchObject({ windowDays: 7, threshold: 25 });
    expect((await patch('custom:cs_missing', { threshold: 1 })).status).toBe(404);
    expect((await patch(key, { threshold: 1 }, t.keys.member)).status).toBe(403);
  });
});

describe('built-in signal overrides', () => {
  it('merge: weight, enabled and each parameter change alone', async () => {
    expect((await patch('usage_spike', { params: { ratio: 3 } })).status).toBe(200);
    const weighted = await patch('usage_spike', { weight: 1.2 });
    expect(weighted.json.signal).toMatchObject({ weight: 1.2, params: { ratio: 3 } });
    const more = await patch('usage_spike', { params: { minRecent: 80 } });
    expect(more.json.signal).toMatchObject({ weight: 1.2, params: { ratio: 3, minRecent: 80 } });
    const off = await patch('usage_spike', { enabled: false });
    expect(off.json.signal).toMatchObject({
      enabled: false,
      weight: 1.2,
      params: { ratio: 3, minRecent: 80 },
    });
  });

  it('refuses fields a built-in does not have, and bad parameters, changing nothing', async () => {
    const threshold = await patch('usage_spike', { threshold: 5 });
    expect(threshold.status).toBe(400);
    expect(threshold.json.error.message).toContain('threshold');
    const bad = await patch('usage_spike', { params: { ratio: 'high' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('ratio');
    expect(await signal('usage_spike')).toMatchObject({
      enabled: false,
      params: { ratio: 3, minRecent: 80 },
    });
    expect((await patch('nope', { weight: 1 })).status).toBe(400);
  });
});
