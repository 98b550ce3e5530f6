import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markConnectionError, openConnection } from '../../src/connections/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { createTestRuntime, signIn, type TestRuntime } from '../support/index.js';

/**
 * `PUT /api/v1/integrations/:name` merges settings into the stored ones (null removes one), its
 * messages read as sentences, and a sync started from a browser session is labelled `web`.
 */
let t: TestRuntime;
let sim: AttioSimulator;

beforeAll(async () => {
  sim = createAttioSimulator({ tokens: [{ token: DEFAULT_ATTIO_TOKEN }] });
  await sim.listen();
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

const put = (body: unknown) => t.request('PUT', '/api/v1/integrations/attio', { key: t.keys.admin, body });

describe('integration settings', () => {
  it('a refused key reads as one sentence that says what to do', async () => {
    const res = await put({
      credentials: { apiKey: 'attio_wrong_token_0000' },
      settings: { baseUrl: sim.url },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_credentials');
    // The simulator answers "Invalid access token." like Attio: Beton must not add a second period.
    expect(res.json.error.message).toBe(
      'Attio rejected the credentials: Invalid access token. Check the key, or create a new one.',
    );
  });

  it('merges settings: fields left out keep their value, null removes one', async () => {
    const connected = await put({
      credentials: { apiKey: DEFAULT_ATTIO_TOKEN },
      settings: { baseUrl: sim.url, notes: true, fieldPolicies: { beton_grade: 'always' } },
    });
    expect(connected.status).toBe(200);

    // Only the policies: the base URL and the notes switch stay.
    const policies = await put({ settings: { fieldPolicies: { beton_health: 'only_if_empty' } } });
    expect(policies.status).toBe(200);
    expect(policies.json.integration.connection.settings).toEqual({
      baseUrl: sim.url,
      notes: true,
      fieldPolicies: { beton_health: 'only_if_empty' },
    });

    // null clears an optional setting; the others stay.
    const cleared = await put({ settings: { notes: null, fieldPolicies: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.json.integration.connection.settings).toEqual({ baseUrl: sim.url });
    const row = await t.rt.db.kysely
      .selectFrom('connections')
      .select('settings_json')
      .where('workspace_id', '=', t.workspaceId)
      .where('integration', '=', 'attio')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.settings_json)).toEqual({ baseUrl: sim.url });

    // A wrong type is refused with the field named, and nothing changes.
    const bad = await put({ settings: { notes: 'yes' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json.error)).toContain('notes');
    const unknown = await put({ settings: { colour: 'blue' } });
    expect(unknown.status).toBe(400);
    const view = await t.request('GET', '/api/v1/integrations/attio', { key: t.keys.viewer });
    expect(view.json.integration.connection.settings).toEqual({ baseUrl: sim.url });
  });

  it('documents null as "remove" in the OpenAPI document', async () => {
    const doc = await t.request('GET', '/api/openapi.json');
    const body =
      doc.json.paths['/api/v1/integrations/attio'].put.requestBody.content['application/json'].schema;
    expect(JSON.stringify(body.properties.settings.properties.notes)).toContain('null');
  });

  it('an errored connection says what is wrong without doubled punctuation', async () => {
    const open = await openConnection(t.rt, t.workspaceId, 'attio');
    await markConnectionError(
      t.rt,
      t.workspaceId,
      open.connectionId,
      'Attio rejected the credentials: Invalid access token.',
    );
    await expect(openConnection(t.rt, t.workspaceId, 'attio')).rejects.toThrow(
      /needs attention: Attio rejected the credentials: Invalid access token\. Fix the key/,
    );
    // Put it right again for the next test.
    expect((await put({ credentials: { apiKey: DEFAULT_ATTIO_TOKEN } })).status).toBe(200);
  });

  it('labels a sync started from the web app "web" and one started with an API key "api"', async () => {
    const cookie = await signIn(t, t.users.member);
    const fromWeb = await t.request('POST', '/api/v1/integrations/attio/sync', {
      headers: { cookie, origin: t.baseUrl },
      body: { streams: ['companies'] },
    });
    expect(fromWeb.status).toBe(202);
    expect(fromWeb.json.run.trigger).toBe('web');
    const cancel = await t.request('POST', `/api/v1/sync-runs/${fromWeb.json.runId}/cancel`, {
      key: t.keys.member,
    });
    expect(cancel.status).toBe(200);

    const fromKey = await t.request('POST', '/api/v1/integrations/attio/sync', {
      key: t.keys.member,
      body: { streams: ['companies'] },
    });
    expect(fromKey.status).toBe(202);
    expect(fromKey.json.run.trigger).toBe('api');
  });
});
