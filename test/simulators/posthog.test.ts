import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type PostHogSimulator,
  startPostHogSimulator,
} from '../../src/integrations/posthog/simulator/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';
import type { AnyJson } from '../support/index.js';

const dataset = generateDataset({ seed: 'posthog-sim', companies: 120 });
let sim: PostHogSimulator;

beforeAll(async () => {
  sim = await startPostHogSimulator({ dataset });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.server.setKnobs({ repeatNext: false, rateLimits: true });
  sim.setOptions({ asyncQueryRate: 0, authErrorCode: 'authentication_failed' });
});

const get = async (path: string, key = sim.apiKey) => {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, body: (await res.json()) as AnyJson };
};
const query = async (q: string, values?: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const res = await fetch(`${sim.url}/api/projects/${sim.projectId}/query/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      query: { kind: 'HogQLQuery', query: q, ...(values ? { values } : {}) },
      ...extra,
    }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as AnyJson };
};

describe('PostHog simulator', () => {
  it("accepts a personal key and refuses a project key, a missing key and an unknown key in PostHog's shape", async () => {
    expect((await get('/api/users/@me/')).body.email).toBeTruthy();
    const project = await get('/api/users/@me/', sim.projectApiKey);
    expect(project.status).toBe(401);
    expect(project.body).toMatchObject({ type: 'authentication_error', attr: null });
    expect(project.body.detail).toMatch(/personal API key \(phx_/);
    const unknown = await get('/api/projects/', 'phx_not_a_real_key_000000000');
    expect(unknown.body).toMatchObject({ type: 'authentication_error', code: 'authentication_failed' });
    sim.setOptions({ authErrorCode: 'invalid_personal_api_key' });
    expect((await get('/api/projects/', 'phx_not_a_real_key_000000000')).body.code).toBe(
      'invalid_personal_api_key',
    );
    const none = await fetch(`${sim.url}/api/projects/`);
    expect(none.status).toBe(401);
  });

  it('lists the projects the key can see and answers 403 for a missing scope', async () => {
    const projects = await get('/api/projects/');
    expect(projects.body.results.map((p: { id: number }) => p.id)).toEqual([
      sim.projectId,
      sim.otherProjectId,
    ]);
    sim.addKey('phx_persons_only_key_123456', ['person:read']);
    const denied = await get(`/api/projects/${sim.projectId}/groups_types/`, 'phx_persons_only_key_123456');
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      code: 'permission_denied',
      detail: "API key missing required scope 'group:read'",
    });
  });

  it('pages persons with limit/offset and an absolute next link, and can hand out a repeating next', async () => {
    const first = await get(`/api/projects/${sim.projectId}/persons/?limit=100`);
    expect(first.body.results).toHaveLength(100);
    expect(first.body.next).toBe(`${sim.url}/api/projects/${sim.projectId}/persons/?limit=100&offset=100`);
    expect(first.body.results[0]).toMatchObject({
      distinct_ids: [expect.any(String)],
      properties: { email: expect.any(String) },
    });
    sim.server.setKnobs({ repeatNext: true });
    const again = await get(`/api/projects/${sim.projectId}/persons/?limit=100&offset=100`);
    expect(again.body.next).toBe(`${sim.url}/api/projects/${sim.projectId}/persons/?limit=100&offset=100`);
  });

  it('pages groups by cursor and requires group_type_index', async () => {
    const missing = await get(`/api/projects/${sim.projectId}/groups/`);
    expect(missing.status).toBe(400);
    expect(missing.body.attr).toBe('group_type_index');
    const first = await get(`/api/projects/${sim.projectId}/groups/?group_type_index=0`);
    expect(first.body.results[0]).toMatchObject({
      group_type_index: 0,
      group_key: dataset.companies[0]!.domain,
    });
    const cursor = new URL(first.body.next).searchParams.get('cursor');
    const second = await get(`/api/projects/${sim.projectId}/groups/?group_type_index=0&cursor=${cursor}`);
    expect(second.body.results[0].group_key).toBe(dataset.companies[100]!.domain);
    expect(second.body.next).toBeNull();
  });

  it('runs HogQL over the dataset: usage per company and day equals the dataset aggregates', async () => {
    const day = dataset.usage.days[170]!;
    const r = await query(
      "SELECT $group_0 AS g, event, count() AS c FROM events WHERE toDate(timestamp) = {day} AND event = 'feature_used' GROUP BY g, event ORDER BY g",
      { day },
    );
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ columns: ['g', 'event', 'c'], hasMore: false });
    const expected = dataset.companies
      .map(
        (c) =>
          [
            c.domain,
            dataset.usage.daily(c.index, 170).find((row) => row.event === 'feature_used')?.count ?? 0,
          ] as const,
      )
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    expect(r.body.results.map((row: unknown[]) => [row[0], row[2]])).toEqual(expected);
  });

  it('answers 400 for a query it cannot run', async () => {
    const bad = await query('SELECT nonsense( FROM events');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'validation_error' });
  });

  it('answers a slow query 202 first, then completes it on polling', async () => {
    sim.setOptions({ asyncQueryRate: 1, asyncCompleteMs: 150 });
    const started = await query('SELECT count() FROM events');
    expect(started.status).toBe(202);
    expect(started.body.query_status).toMatchObject({ complete: false });
    const id = started.body.query_status.id;
    const early = await get(`/api/projects/${sim.projectId}/query/${id}/`);
    expect(early.body.query_status.complete).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const done = await get(`/api/projects/${sim.projectId}/query/${id}/`);
    expect(done.body.query_status.complete).toBe(true);
    expect(done.body.query_status.results.results[0][0]).toBeGreaterThan(0);
  });

  it('throttles with 429 throttled_error, the wait in the detail and no Retry-After', async () => {
    sim.setOptions({ limits: { queryPerMinute: 2 } });
    try {
      expect((await query('SELECT 1 FROM events LIMIT 1')).status).toBe(200);
      expect((await query('SELECT 1 FROM events LIMIT 1')).status).toBe(200);
      const limited = await query('SELECT 1 FROM events LIMIT 1');
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ type: 'throttled_error', code: 'throttled' });
      expect(limited.body.detail).toMatch(/^Request was throttled\. Expected available in \d+ seconds\.$/);
      expect(limited.headers.get('retry-after')).toBeNull();
    } finally {
      sim.setOptions({ limits: { queryPerMinute: 240 } });
    }
  });

  it('takes late events into later answers', async () => {
    const day = dataset.usage.days[179]!;
    const domain = dataset.companies[5]!.domain;
    const count = async () =>
      (
        await query(
          "SELECT count() FROM events WHERE $group_0 = {g} AND event = 'late_event' AND toDate(timestamp) = {day}",
          { g: domain, day },
        )
      ).body.results[0][0];
    expect(await count()).toBe(0);
    sim.ingestLate([{ groupKey: domain, event: 'late_event', at: `${day}T12:00:00Z`, count: 4 }]);
    expect(await count()).toBe(4);
  });
});
