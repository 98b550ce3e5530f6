import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putConnection } from '../../src/connections/index.js';
import { HttpClient, UpstreamError } from '../../src/core/http/index.js';
import { type DemoHandle, seedDemo } from '../../src/demo/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * The demo runs on simulators listening on 127.0.0.1 with the SSRF guard on
 * (BETON_ALLOW_PRIVATE_HOSTS=false, its default): the server grants each demo connection its own
 * simulator's origin and nothing else. Any other workspace — and the demo workspace pointed
 * anywhere else — is still refused private addresses, the API cannot ask for a grant, and a
 * non-API answer (an internal web page) is never echoed into an error message.
 */
let t: TestRuntime;
let demo: DemoHandle;
let page: http.Server;
let pageUrl = '';

beforeAll(async () => {
  page = http.createServer((_req, res) => {
    res
      .writeHead(500, { 'content-type': 'text/html' })
      .end('<html><body>Internal admin console: db password hunter2</body></html>');
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'false' } });
  await t.rt.jobs.start();
  demo = await seedDemo(t.rt, { companies: 20 });
  await demo.ready;
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await t?.close();
  await new Promise((r) => page?.close(r));
});

const demoActor = () => ({
  workspaceId: demo.workspaceId,
  audit: { actorType: 'system' as const, actorId: null },
  userId: null,
});

describe('the demo with the SSRF guard on', () => {
  it('connects and syncs every simulator through its own grant', async () => {
    expect(t.rt.config.BETON_ALLOW_PRIVATE_HOSTS).toBe(false);
    const runs = await t.rt.db.kysely
      .selectFrom('sync_runs')
      .select(['integration', 'status', 'error'])
      .where('workspace_id', '=', demo.workspaceId)
      .execute();
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);
    const connections = await t.rt.db.kysely
      .selectFrom('connections')
      .select(['integration', 'status'])
      .where('workspace_id', '=', demo.workspaceId)
      .execute();
    expect(connections.length).toBe(demo.simulators.list.length);
    expect(connections.every((c) => c.status === 'connected')).toBe(true);
  });

  it('refuses the same simulators to any other workspace', async () => {
    for (const sim of demo.simulators.list) {
      const res = await t.request('PUT', `/api/v1/integrations/${sim.name}`, {
        key: t.keys.admin,
        body: sim.connection,
      });
      expect(res.status, sim.name).toBe(400);
      expect(res.json.error.code, sim.name).toBe('unsafe_url');
    }
  });

  it('refuses the demo connection any private origin but its simulator', async () => {
    const sim = demo.simulators.list[0]!;
    await expect(
      putConnection(t.rt, demoActor(), sim.name, {
        credentials: sim.connection.credentials,
        settings: { ...sim.connection.settings, baseUrl: pageUrl },
      }),
    ).rejects.toMatchObject({ code: 'unsafe_url' });
  });

  it('offers no way to ask for a grant through the API', async () => {
    const sim = demo.simulators.list[0]!;
    for (const body of [
      { ...sim.connection, privateOrigin: sim.summary.url },
      { ...sim.connection, settings: { ...sim.connection.settings, privateOrigin: sim.summary.url } },
      { ...sim.connection, settings: { ...sim.connection.settings, allowPrivateHosts: true } },
    ]) {
      const res = await t.request('PUT', `/api/v1/integrations/${sim.name}`, { key: t.keys.admin, body });
      expect(res.status).toBe(400);
      expect(['validation_failed', 'unsafe_url']).toContain(res.json.error.code);
    }
  });
});

describe('answers that are not an API', () => {
  it('names an HTML page by its type and never quotes it', async () => {
    const client = new HttpClient({
      integration: 'acme',
      baseUrl: pageUrl,
      allowPrivateHosts: true,
      retry: { maxAttempts: 1 },
    });
    const error = await client.get('/v1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    const text = JSON.stringify({ m: (error as Error).message, d: (error as UpstreamError).details });
    expect(text).toContain('text/html');
    expect(text).not.toMatch(/admin console|hunter2|<html/);
  });
});
