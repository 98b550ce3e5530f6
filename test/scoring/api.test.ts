import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../src/accounts/index.js';
import { fixedClock } from '../../src/core/index.js';
import { runScore } from '../../src/scoring/index.js';
import { RecordWriter } from '../accounts/records.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const clock = fixedClock(NOW);
const day = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString();

let t: TestRuntime;
const acme = () => accountIdFor(t.workspaceId, 'acme.io');

beforeAll(async () => {
  t = await createTestRuntime({ clock });
  const w = new RecordWriter(t.rt.db.kysely, t.workspaceId, at(0));
  await w.groupType(0, 'company');
  await w.group('acme.io', 'Acme', at(300));
  await w.group('globex.com', 'Globex', at(300));
  await w.person('p1', { email: 'ann@acme.io', title: 'Engineer' }, at(200));
  await w.customer('cus_lost', 'someone@yahoo.com', 'Someone', at(100));
  for (let i = 1; i <= 60; i++) {
    await w.usage('acme.io', day(i), 'feature_used', i <= 7 ? 60 : 20);
    await w.usage('globex.com', day(i), 'feature_used', i <= 7 ? 2 : 30);
  }
  await w.usage('acme.io', day(2), 'export_clicked', 12);
  await runScore(t.rt.db.kysely, t.workspaceId, { clock, trigger: 'test' });
});

afterAll(() => t.close());

describe('GET /api/v1/accounts', () => {
  it('lists accounts with scores, sorted and filtered', async () => {
    const res = await t.request('GET', '/api/v1/accounts?sort=-expansion&limit=1', { key: t.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.json.items).toHaveLength(1);
    expect(res.json.items[0]).toMatchObject({ domain: 'acme.io', grade: expect.stringMatching(/^M/) });
    expect(res.json.nextCursor).toEqual(expect.any(String));
    const next = await t.request(
      'GET',
      `/api/v1/accounts?sort=-expansion&limit=1&cursor=${res.json.nextCursor}`,
      { key: t.keys.viewer },
    );
    expect(next.json.items[0].domain).toBe('globex.com');
    const bySignal = await t.request('GET', '/api/v1/accounts?signal=usage_drop', { key: t.keys.viewer });
    expect(bySignal.json.items.map((i: { domain: string }) => i.domain)).toEqual(['globex.com']);
  });

  it('rejects bad filters with a message', async () => {
    const res = await t.request('GET', '/api/v1/accounts?grade=A1', { key: t.keys.viewer });
    expect(res.status).toBe(400);
    const cursor = await t.request('GET', '/api/v1/accounts?cursor=garbage', { key: t.keys.viewer });
    expect(cursor.status).toBe(400);
    expect(cursor.json.error.message).toContain('cursor');
  });
});

describe('GET /api/v1/accounts/:id', () => {
  it('answers scores, explanation, timeline, links and history', async () => {
    const res = await t.request('GET', `/api/v1/accounts/${acme()}`, { key: t.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.json.scores.explanation.summary).toContain('Expansion');
    expect(res.json.scores.explanation.expansion.drivers[0]).toMatchObject({
      key: 'usage_spike',
      title: 'Usage spike',
      explanation: expect.stringContaining('×'),
    });
    expect(res.json.signals.map((s: { key: string }) => s.key)).toContain('usage_spike');
    expect(res.json.links.map((l: { stream: string }) => l.stream)).toEqual(['groups', 'persons']);
    expect(res.json.history).toHaveLength(1);
  });

  it('404 for an account of another workspace', async () => {
    const other = await t.createOtherWorkspace();
    const res = await t.request('GET', `/api/v1/accounts/${acme()}`, { key: other.keys.viewer });
    expect(res.status).toBe(404);
  });
});

describe('manual link and unlink', () => {
  it('a viewer may not link; a member links an unresolved customer and unlinks it again', async () => {
    const body = { integration: 'stripe', stream: 'customers', externalId: 'cus_lost' };
    const unresolved = await t.request('GET', '/api/v1/accounts/unresolved', { key: t.keys.viewer });
    expect(unresolved.json.items.map((i: { externalId: string }) => i.externalId)).toContain('cus_lost');
    expect(
      (await t.request('POST', `/api/v1/accounts/${acme()}/links`, { key: t.keys.viewer, body })).status,
    ).toBe(403);
    const linked = await t.request('POST', `/api/v1/accounts/${acme()}/links`, { key: t.keys.member, body });
    expect(linked.status).toBe(200);
    expect(linked.json.links.find((l: { externalId: string }) => l.externalId === 'cus_lost')).toMatchObject({
      manual: true,
    });
    const unlinked = await t.request('DELETE', `/api/v1/accounts/${acme()}/links/stripe/customers/cus_lost`, {
      key: t.keys.member,
    });
    expect(unlinked.status).toBe(200);
    expect(unlinked.json.links.some((l: { externalId: string }) => l.externalId === 'cus_lost')).toBe(false);
    const missing = await t.request('POST', `/api/v1/accounts/${acme()}/links`, {
      key: t.keys.member,
      body: { ...body, externalId: 'cus_nope' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('signals', () => {
  it('lists the twenty built-ins with counts, parameters and backtest', async () => {
    const res = await t.request('GET', '/api/v1/signals', { key: t.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.json.signals).toHaveLength(20);
    const spike = res.json.signals.find((s: { key: string }) => s.key === 'usage_spike');
    expect(spike).toMatchObject({
      direction: 'expansion',
      params: { ratio: 2 },
      counts: { activeAccounts: 1 },
    });
    expect(spike.paramsSchema.properties.ratio).toBeDefined();
  });

  it('an admin overrides parameters; a bad override is a 400 naming the field', async () => {
    expect(
      (
        await t.request('PATCH', '/api/v1/signals/usage_spike', {
          key: t.keys.member,
          body: { params: { ratio: 3 } },
        })
      ).status,
    ).toBe(403);
    const ok = await t.request('PATCH', '/api/v1/signals/usage_spike', {
      key: t.keys.admin,
      body: { params: { ratio: 3 }, weight: 1.2 },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.signal).toMatchObject({ params: { ratio: 3 }, weight: 1.2 });
    const bad = await t.request('PATCH', '/api/v1/signals/usage_spike', {
      key: t.keys.admin,
      body: { params: { ratio: 'high' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('ratio');
    const unknown = await t.request('PATCH', '/api/v1/signals/nope', { key: t.keys.admin, body: {} });
    expect(unknown.status).toBe(400);
  });

  it('lists occurrences with filters', async () => {
    const res = await t.request('GET', '/api/v1/signals/occurrences?signal=usage_drop', {
      key: t.keys.viewer,
    });
    expect(res.status).toBe(200);
    expect(res.json.items[0]).toMatchObject({
      key: 'usage_drop',
      accountId: accountIdFor(t.workspaceId, 'globex.com'),
    });
    const unknown = await t.request('GET', '/api/v1/signals/occurrences?signal=nope', { key: t.keys.viewer });
    expect(unknown.status).toBe(400);
  });
});

describe('custom signals', () => {
  const definition = {
    name: 'Exporters',
    direction: 'expansion',
    events: ['export_clicked'],
    operator: 'gte',
    threshold: 10,
    windowDays: 7,
  };

  it('previews, creates, updates and deletes', async () => {
    const preview = await t.request('POST', '/api/v1/signals/preview', {
      key: t.keys.member,
      body: definition,
    });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({
      accountsTotal: 2,
      matching: 1,
      accounts: [{ domain: 'acme.io', total: 12 }],
    });
    const created = await t.request('POST', '/api/v1/signals', { key: t.keys.admin, body: definition });
    expect(created.status).toBe(201);
    const id = created.json.signal.id;
    const updated = await t.request('PATCH', `/api/v1/signals/custom/${id}`, {
      key: t.keys.admin,
      body: { threshold: 20 },
    });
    expect(updated.json.signal).toMatchObject({ threshold: 20, events: ['export_clicked'] });
    const listed = await t.request('GET', '/api/v1/signals', { key: t.keys.viewer });
    expect(listed.json.signals.find((s: { key: string }) => s.key === `custom:${id}`)).toMatchObject({
      custom: true,
      title: 'Exporters',
    });
    expect((await t.request('DELETE', `/api/v1/signals/custom/${id}`, { key: t.keys.admin })).status).toBe(
      204,
    );
    expect((await t.request('DELETE', `/api/v1/signals/custom/${id}`, { key: t.keys.admin })).status).toBe(
      404,
    );
  });

  it('validates definitions; event names are data, never query text', async () => {
    const bad = await t.request('POST', '/api/v1/signals', {
      key: t.keys.admin,
      body: { ...definition, operator: 'like', windowDays: 0 },
    });
    expect(bad.status).toBe(400);
    const hostile = { ...definition, events: ["x') or 1=1 --", 'export_clicked'] };
    const preview = await t.request('POST', '/api/v1/signals/preview', { key: t.keys.member, body: hostile });
    expect(preview.status).toBe(200);
    expect(preview.json.matching).toBe(1);
  });
});

describe('score runs and settings', () => {
  it('opens a run and queues it for a worker; a second start while it is open is a 409', async () => {
    const started = await t.request('POST', '/api/v1/score-runs', { key: t.keys.member, body: {} });
    expect(started.status).toBe(202);
    const id = started.json.run.id;
    expect(started.json.run).toMatchObject({ status: 'running', trigger: 'api' });
    const again = await t.request('POST', '/api/v1/score-runs', { key: t.keys.member, body: {} });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('score_run_running');
    // The job runner (a worker) executes the queued run.
    await t.rt.jobs.start();
    try {
      let run = started.json.run;
      for (let i = 0; i < 200 && run.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        run = (await t.request('GET', `/api/v1/score-runs/${id}`, { key: t.keys.viewer })).json.run;
      }
      expect(run.status).toBe('succeeded');
    } finally {
      await t.rt.jobs.stop({ graceMs: 5_000 });
    }
    const runs = await t.request('GET', '/api/v1/score-runs', { key: t.keys.viewer });
    expect(runs.json.runs.map((r: { id: string }) => r.id)).toContain(id);
  });

  it('settings: admins set the ICP, validated', async () => {
    const icp = { industries: ['Software'], regions: ['EU'], employees: { min: 10, max: 500 } };
    expect(
      (await t.request('PUT', '/api/v1/scoring/settings', { key: t.keys.member, body: { icp } })).status,
    ).toBe(403);
    const ok = await t.request('PUT', '/api/v1/scoring/settings', { key: t.keys.admin, body: { icp } });
    expect(ok.status).toBe(200);
    expect(ok.json.settings).toMatchObject({ icp: { industries: ['Software'] }, halfLifeDays: 14 });
    const bad = await t.request('PUT', '/api/v1/scoring/settings', {
      key: t.keys.admin,
      body: { icp: { employees: { min: 50, max: 10 } } },
    });
    expect(bad.status).toBe(400);
  });
});
