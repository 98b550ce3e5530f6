import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import {
  startTestkitSimulator,
  type TestkitSimulator,
  testkit,
} from '../support/testkit-integration/index.js';

const WRONG_KEY = 'tk_wrong_9f8e7d6c5b4a';

describe('integration routes generated from the registry', () => {
  let t: TestRuntime;
  let sim: TestkitSimulator;

  beforeAll(async () => {
    sim = await startTestkitSimulator({ items: 120 });
    t = await createTestRuntime({
      env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' },
      integrations: [testkit],
      httpOptions: { retry: { baseDelayMs: 5, maxWaitMs: 2000, maxAttempts: 3 }, timeoutMs: 3000 },
    });
    await t.rt.jobs.start();
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  const connections = () => t.rt.db.kysely.selectFrom('connections').selectAll().execute();

  it('lists every registered integration with its status, and describes one with JSON Schemas', async () => {
    const list = await t.request('GET', '/api/v1/integrations', { key: t.keys.viewer });
    expect(list.status).toBe(200);
    expect(list.json.integrations).toEqual([
      expect.objectContaining({
        name: 'testkit',
        status: 'not_connected',
        connection: null,
        roles: ['source'],
      }),
    ]);
    const one = await t.request('GET', '/api/v1/integrations/testkit', { key: t.keys.viewer });
    expect(one.status).toBe(200);
    expect(one.json.integration.credentialsSchema.properties.apiKey).toMatchObject({
      type: 'string',
      writeOnly: true,
    });
    expect(one.json.integration.settingsSchema.properties.baseUrl).toMatchObject({ type: 'string' });
    expect(one.json.integration.streams).toEqual([
      expect.objectContaining({ name: 'items', cursor: 'cursor' }),
    ]);
  });

  it('answers 404 naming the known integrations for an unknown one', async () => {
    const res = await t.request('GET', '/api/v1/integrations/nope', { key: t.keys.viewer });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain('Known integrations: testkit');
  });

  it('lets only admins change a connection', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.member,
      body: { credentials: { apiKey: sim.apiKey }, settings: { baseUrl: sim.url } },
    });
    expect(res.status).toBe(403);
  });

  it('rejects a malformed credential with field errors, storing nothing', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.admin,
      body: { credentials: { apiKey: 'short' }, settings: { baseUrl: sim.url } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([expect.objectContaining({ path: 'body.credentials.apiKey' })]);
    const unknownField = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.admin,
      body: { credentials: { apiKey: sim.apiKey, token: 'x' }, settings: { baseUrl: sim.url } },
    });
    expect(unknownField.status).toBe(400);
    expect(await connections()).toHaveLength(0);
  });

  it('a key the service refuses at validate → 400 invalid_credentials with its reason, key scrubbed, nothing stored', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.admin,
      body: { credentials: { apiKey: WRONG_KEY }, settings: { baseUrl: sim.url } },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_credentials');
    expect(res.json.error.message).toContain('Invalid API key provided');
    expect(res.text).not.toContain(WRONG_KEY);
    expect(await connections()).toHaveLength(0);
  });

  it('a service that cannot be reached → 502, nothing stored', async () => {
    const down = await startTestkitSimulator();
    const url = down.url;
    await down.close();
    const res = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.admin,
      body: { credentials: { apiKey: sim.apiKey }, settings: { baseUrl: url } },
    });
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('upstream_unavailable');
    expect(await connections()).toHaveLength(0);
  });

  it('stores a validated key encrypted and shows it masked to the last 4 characters', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.admin,
      body: { credentials: { apiKey: sim.apiKey }, settings: { baseUrl: sim.url, pageSize: 25 } },
    });
    expect(res.status).toBe(200);
    expect(res.json.integration).toMatchObject({
      status: 'connected',
      connection: {
        status: 'connected',
        accountLabel: 'Testkit Co (acct_1)',
        credentials: { apiKey: `…${sim.apiKey.slice(-4)}` },
        settings: { baseUrl: sim.url, pageSize: 25 },
        health: { status: 'ok', details: { items: 120 } },
      },
    });
    expect(res.text).not.toContain(sim.apiKey);
    const [row] = await connections();
    expect(row!.secrets_enc).toMatch(/^v1\./);
    expect(row!.secrets_enc).not.toContain(sim.apiKey);
    const audit = await t.rt.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'connection.create')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details_json).not.toContain(sim.apiKey);
    const viewer = await t.request('GET', '/api/v1/integrations/testkit', { key: t.keys.viewer });
    expect(viewer.text).not.toContain(sim.apiKey);
  });

  it('changes settings without retyping the key, and re-tests the stored key', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/testkit', {
      key: t.keys.admin,
      body: { settings: { baseUrl: sim.url, pageSize: 30 } },
    });
    expect(res.status).toBe(200);
    expect(res.json.integration.connection.settings.pageSize).toBe(30);
    const tested = await t.request('POST', '/api/v1/integrations/testkit/test', { key: t.keys.member });
    expect(tested.status).toBe(200);
    expect(tested.json.integration.connection.lastValidatedAt).toBeTruthy();
  });

  it('starts a sync → {runId}; a second trigger while it runs → 409; the run shows progress and ends succeeded', async () => {
    sim.faults.latencyMs = 40;
    const first = await t.request('POST', '/api/v1/integrations/testkit/sync', {
      key: t.keys.member,
      body: {},
    });
    expect(first.status).toBe(202);
    const runId = first.json.runId as string;
    const second = await t.request('POST', '/api/v1/integrations/testkit/sync', { key: t.keys.member });
    expect(second.status, second.text).toBe(409);
    expect(second.json.error).toMatchObject({ code: 'sync_running', details: { runId } });

    let run = first.json.run;
    for (let i = 0; i < 200 && !['succeeded', 'partial', 'failed', 'canceled'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await t.request('GET', `/api/v1/sync-runs/${runId}`, { key: t.keys.viewer })).json.run;
    }
    sim.faults.latencyMs = 0;
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'api',
      counts: { read: 120, written: 120, pages: 4 },
      streams: { items: { status: 'succeeded', full: true } },
    });
    expect(run.recordsPerSecond).toBeGreaterThan(0);
    const history = await t.request('GET', '/api/v1/sync-runs?integration=testkit', { key: t.keys.viewer });
    expect(history.json.runs.map((r: { id: string }) => r.id)).toContain(runId);
    const rejects = await t.request('GET', `/api/v1/sync-runs/${runId}/rejects`, { key: t.keys.viewer });
    expect(rejects.json.rejects).toEqual([]);
  });

  it('rejects an unknown stream with the valid names, and lets a member cancel a run', async () => {
    const bad = await t.request('POST', '/api/v1/integrations/testkit/sync', {
      key: t.keys.member,
      body: { streams: ['nope'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('its streams are: items');

    sim.faults.latencyMs = 100;
    const started = await t.request('POST', '/api/v1/integrations/testkit/sync', {
      key: t.keys.member,
      body: { full: true },
    });
    expect(started.status).toBe(202);
    const viewerCancel = await t.request('POST', `/api/v1/sync-runs/${started.json.runId}/cancel`, {
      key: t.keys.viewer,
    });
    expect(viewerCancel.status).toBe(403);
    const cancel = await t.request('POST', `/api/v1/sync-runs/${started.json.runId}/cancel`, {
      key: t.keys.member,
    });
    expect(cancel.status).toBe(200);
    let run = cancel.json.run;
    for (let i = 0; i < 100 && run.status !== 'canceled'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await t.request('GET', `/api/v1/sync-runs/${started.json.runId}`, { key: t.keys.viewer })).json
        .run;
    }
    sim.faults.latencyMs = 0;
    expect(run.status).toBe('canceled');
  });

  it('a key revoked at the service → test answers 400 and marks the connection errored', async () => {
    const other = await startTestkitSimulator({ apiKey: 'tk_other_key_000000' });
    try {
      const res = await t.request('PUT', '/api/v1/integrations/testkit', {
        key: t.keys.admin,
        body: { settings: { baseUrl: other.url } },
      });
      expect(res.status).toBe(400);
      // The failed PUT changed nothing: the stored connection still points at the working service.
      const view = await t.request('GET', '/api/v1/integrations/testkit', { key: t.keys.viewer });
      expect(view.json.integration.connection.settings.baseUrl).toBe(sim.url);
    } finally {
      await other.close();
    }
  });

  it('disconnect erases the secrets', async () => {
    const res = await t.request('DELETE', '/api/v1/integrations/testkit', { key: t.keys.admin });
    expect(res.status).toBe(204);
    expect(await connections()).toHaveLength(0);
    const view = await t.request('GET', '/api/v1/integrations/testkit', { key: t.keys.viewer });
    expect(view.json.integration.status).toBe('not_connected');
    const sync = await t.request('POST', '/api/v1/integrations/testkit/sync', { key: t.keys.member });
    expect(sync.status).toBe(404);
    expect(sync.json.error.code).toBe('not_connected');
  });

  it('takes the key from BETON_TESTKIT_API_KEY in a single-workspace install, and never stores it', async () => {
    process.env.BETON_TESTKIT_API_KEY = sim.apiKey;
    try {
      const res = await t.request('PUT', '/api/v1/integrations/testkit', {
        key: t.keys.admin,
        body: { settings: { baseUrl: sim.url } },
      });
      expect(res.status).toBe(200);
      expect(res.json.integration.envFields).toEqual(['credentials.apiKey']);
      expect(res.json.integration.connection.credentials.apiKey).toBe(`…${sim.apiKey.slice(-4)}`);
      const [row] = await connections();
      expect(row!.secrets_enc).toBeNull();
    } finally {
      delete process.env.BETON_TESTKIT_API_KEY;
    }
  });

  it('documents each integration in the OpenAPI document, secrets writeOnly', async () => {
    const res = await t.request('GET', '/api/openapi.json');
    const put = res.json.paths['/api/v1/integrations/testkit'].put;
    const body = put.requestBody.content['application/json'].schema;
    expect(body.properties.credentials.properties.apiKey.writeOnly).toBe(true);
    expect(res.json.paths['/api/v1/sync-runs/{id}/rejects']).toBeDefined();
  });
});
