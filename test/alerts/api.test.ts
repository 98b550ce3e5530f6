import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * The alerts API: admins write rules and digests, viewers read them, bad input is a 400 that names
 * the field, and another workspace sees none of it.
 */

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

const rule = {
  name: 'Churn to CS',
  signals: { directions: ['churn'] },
  minGrade: 'M50',
  destination: { kind: 'channel', channelId: 'C123' },
  quietHours: { timeZone: 'Europe/Berlin', start: '20:00', end: '08:00' },
  capPerRun: 10,
};

describe('alert rules', () => {
  it('an admin creates, a viewer reads, a member may not write', async () => {
    const created = await t.request('POST', '/api/v1/alerts/rules', { key: t.keys.admin, body: rule });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Churn to CS', cooldownHours: 24, enabled: true });
    const listed = await t.request('GET', '/api/v1/alerts/rules', { key: t.keys.viewer });
    expect(listed.json.items.map((r: { name: string }) => r.name)).toEqual(['Churn to CS']);
    const denied = await t.request('POST', '/api/v1/alerts/rules', {
      key: t.keys.member,
      body: { ...rule, name: 'other' },
    });
    expect(denied.status).toBe(403);
    const patched = await t.request('PATCH', `/api/v1/alerts/rules/${created.json.id}`, {
      key: t.keys.admin,
      body: { enabled: false, cooldownHours: 48 },
    });
    expect(patched.json).toMatchObject({ enabled: false, cooldownHours: 48, capPerRun: 10 });
  });

  it('bad input is a 400 naming what to fix; a taken name is a 409', async () => {
    const bad = await t.request('POST', '/api/v1/alerts/rules', {
      key: t.keys.admin,
      body: {
        ...rule,
        name: 'Bad zone',
        quietHours: { timeZone: 'Mars/Olympus', start: '25:00', end: '08:00' },
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('IANA time zone');
    const taken = await t.request('POST', '/api/v1/alerts/rules', { key: t.keys.admin, body: rule });
    expect(taken.status).toBe(409);
  });

  it('another workspace sees no rule, alert or digest of this one', async () => {
    const other = await t.createOtherWorkspace();
    const [rules, alerts, digests] = await Promise.all([
      t.request('GET', '/api/v1/alerts/rules', { key: other.keys.admin }),
      t.request('GET', '/api/v1/alerts', { key: other.keys.admin }),
      t.request('GET', '/api/v1/alerts/digests', { key: other.keys.admin }),
    ]);
    expect(rules.json.items).toEqual([]);
    expect(alerts.json.items).toEqual([]);
    expect(digests.json.items).toEqual([]);
    const mine = await t.request('GET', '/api/v1/alerts/rules', { key: t.keys.admin });
    const peek = await t.request('GET', `/api/v1/alerts/rules/${mine.json.items[0].id}`, {
      key: other.keys.admin,
    });
    expect(peek.status).toBe(404);
  });
});

describe('digests', () => {
  it('a digest needs somewhere to go; preview and send-now with nothing new send nothing', async () => {
    const nowhere = await t.request('POST', '/api/v1/alerts/digests', {
      key: t.keys.admin,
      body: { name: 'x' },
    });
    expect(nowhere.status).toBe(400);
    const created = await t.request('POST', '/api/v1/alerts/digests', {
      key: t.keys.admin,
      body: { name: 'Weekly', frequency: 'weekly', weekday: 1, hour: 8, emails: ['cs@acme.test'] },
    });
    expect(created.status).toBe(201);
    const preview = await t.request('GET', `/api/v1/alerts/digests/${created.json.id}/preview`, {
      key: t.keys.viewer,
    });
    expect(preview.json).toMatchObject({ empty: true, counts: { newAccounts: 0 } });
    const sent = await t.request('POST', `/api/v1/alerts/digests/${created.json.id}/send`, {
      key: t.keys.admin,
    });
    expect(sent.json.status).toBe('empty');
  });
});
