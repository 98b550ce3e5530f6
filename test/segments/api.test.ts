import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { evaluateSegments } from '../../src/segments/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { seedAccounts, WORLD } from './world.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
let t: TestRuntime;
let ids: Record<string, string>;

beforeAll(async () => {
  t = await createTestRuntime({ clock: fixedClock(NOW) });
  ids = await seedAccounts(t.rt.db.kysely, t.workspaceId, WORLD);
  await evaluateSegments(t.rt.db.kysely, t.workspaceId, NOW);
});
afterAll(() => t.close());

const hot = {
  name: 'Hot trials',
  description: 'trialing, fit ≥ 80',
  filter: { billing: 'trialing', minFit: 80 },
};

describe('/api/v1/segments', () => {
  it('viewers read, members write; writes are audited', async () => {
    const denied = await t.request('POST', '/api/v1/segments', { key: t.keys.viewer, body: hot });
    expect(denied.status).toBe(403);
    const created = await t.request('POST', '/api/v1/segments', { key: t.keys.member, body: hot });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'Hot trials',
      memberCount: 1,
      evaluatedAt: NOW.toISOString(),
    });
    const again = await t.request('POST', '/api/v1/segments', { key: t.keys.member, body: hot });
    expect(again.status).toBe(409);
    expect(again.json.error.message).toContain('choose another name');

    const list = await t.request('GET', '/api/v1/segments', { key: t.keys.viewer });
    expect(list.json.items.map((s: { name: string }) => s.name)).toEqual(['Hot trials']);
    const byName = await t.request('GET', `/api/v1/segments/${encodeURIComponent('Hot trials')}`, {
      key: t.keys.viewer,
    });
    expect(byName.json.id).toBe(created.json.id);

    const patched = await t.request('PATCH', `/api/v1/segments/${created.json.id}`, {
      key: t.keys.member,
      body: { filter: { plan: 'pro' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json.memberCount).toBe(3);
    const members = await t.request('GET', `/api/v1/segments/${created.json.id}/accounts`, {
      key: t.keys.viewer,
    });
    expect(members.json.items.map((m: { domain: string }) => m.domain).sort()).toEqual([
      'acme.io',
      'initech.net',
      'umbrella.org',
    ]);
    const history = await t.request('GET', `/api/v1/segments/${created.json.id}/history?days=3`, {
      key: t.keys.viewer,
    });
    expect(history.json.days.at(-1)).toEqual({ day: '2026-12-07', members: 3, entered: 3, left: 0 });

    const audit = await t.request('GET', '/api/v1/audit-log?limit=10', { key: t.keys.admin });
    const actions = audit.json.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['segment.create', 'segment.update']));

    const bad = await t.request('POST', '/api/v1/segments', {
      key: t.keys.member,
      body: { name: 'Bad', filter: { billing: 'free' } },
    });
    expect(bad.status).toBe(400);
  });

  it('GET /accounts?segment= and the export take a segment by name', async () => {
    const list = await t.request(
      'GET',
      `/api/v1/accounts?segment=${encodeURIComponent('Hot trials')}&source=posthog`,
      {
        key: t.keys.viewer,
      },
    );
    expect(list.status).toBe(200);
    expect(list.json.items.map((a: { domain: string }) => a.domain).sort()).toEqual([
      'acme.io',
      'umbrella.org',
    ]);
    const csv = await t.request(
      'GET',
      '/api/v1/accounts/export?segment=Hot%20trials&columns=name,domain,plan',
      {
        key: t.keys.viewer,
      },
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toBe(
      'attachment; filename="segment-hot-trials-2026-12-07.csv"',
    );
    expect(csv.text.split('\r\n').filter(Boolean).sort()).toEqual(
      [
        "'+Umbrella,umbrella.org,Pro",
        'Acme,acme.io,Pro',
        'Initech,initech.net,pro',
        'name,domain,plan',
      ].sort(),
    );
    const all = await t.request('GET', '/api/v1/accounts/export?format=jsonl&columns=name&q=glob', {
      key: t.keys.viewer,
    });
    expect(all.text).toBe('{"name":"=Globex, \\"the\\" co"}\n');
    const seg = await t.request('GET', '/api/v1/segments/Hot%20trials/export?columns=domain,enteredAt', {
      key: t.keys.viewer,
    });
    expect(seg.text.split('\r\n')).toContain(`acme.io,${NOW.toISOString()}`);
    const badColumn = await t.request('GET', '/api/v1/accounts/export?columns=name,password', {
      key: t.keys.viewer,
    });
    expect(badColumn.status).toBe(400);
    expect(badColumn.text).toContain('choose from');
  });

  // Creating the second workspace hashes passwords: slow on a loaded machine.
  it('another workspace cannot read, export, change or use this workspace’s segments', {
    timeout: 90_000,
  }, async () => {
    const other = await t.createOtherWorkspace();
    const id = (await t.request('GET', '/api/v1/segments', { key: t.keys.viewer })).json.items[0].id;
    expect((await t.request('GET', '/api/v1/segments', { key: other.keys.owner })).json.items).toEqual([]);
    for (const path of [
      `/segments/${id}`,
      `/segments/${id}/accounts`,
      `/segments/${id}/history`,
      `/segments/${id}/export`,
    ])
      expect((await t.request('GET', `/api/v1${path}`, { key: other.keys.owner })).status, path).toBe(404);
    expect((await t.request('GET', `/api/v1/accounts?segment=${id}`, { key: other.keys.owner })).status).toBe(
      404,
    );
    expect(
      (await t.request('GET', `/api/v1/accounts/export?segment=${id}`, { key: other.keys.owner })).status,
    ).toBe(404);
    expect(
      (await t.request('PATCH', `/api/v1/segments/${id}`, { key: other.keys.owner, body: { name: 'x' } }))
        .status,
    ).toBe(404);
    expect((await t.request('DELETE', `/api/v1/segments/${id}`, { key: other.keys.owner })).status).toBe(404);
    // The other workspace's export holds none of this workspace's accounts.
    const theirs = await t.request('GET', '/api/v1/accounts/export?columns=id', { key: other.keys.owner });
    expect(theirs.text).toBe('id\r\n');
    expect(Object.values(ids).some((accountId) => theirs.text.includes(accountId))).toBe(false);
    const deleted = await t.request('DELETE', `/api/v1/segments/${id}`, { key: t.keys.member });
    expect(deleted.status).toBe(204);
  });
});
