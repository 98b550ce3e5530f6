import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

describe('operations endpoints', () => {
  it('/healthz answers 200', async () => {
    const res = await t.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when migrated and 503 while a migration is pending', async () => {
    expect((await t.request('GET', '/readyz')).json).toMatchObject({ status: 'ready' });
    // Kysely's own bookkeeping table is not part of the schema type.
    const raw = t.rt.db.kysely as unknown as Kysely<{ beton_migration: { name: string; timestamp: string } }>;
    const row = await raw
      .selectFrom('beton_migration')
      .selectAll()
      .orderBy('name', 'desc')
      .executeTakeFirstOrThrow();
    await raw.deleteFrom('beton_migration').where('name', '=', row.name).execute();
    try {
      const res = await t.request('GET', '/readyz');
      expect(res.status).toBe(503);
      expect(res.json.pendingMigrations).toEqual([row.name]);
    } finally {
      await raw.insertInto('beton_migration').values(row).execute();
    }
    expect((await t.request('GET', '/readyz')).status).toBe(200);
  });

  it('/metrics serves Prometheus text including request counts', async () => {
    await t.request('GET', '/api/v1/me', { key: t.keys.viewer });
    const res = await t.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /beton_http_requests_total\{method="GET",route="\/api\/v1\/me",status="200"\} \d+/,
    );
    expect(res.text).toContain('beton_process_cpu_seconds_total');
  });

  it('serves the OpenAPI document and its viewer', async () => {
    const doc = await t.request('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(['/api/v1/me', '/api/v1/api-keys', '/api/v1/members/{id}', '/healthz']),
    );
    const body = doc.json.paths['/api/v1/api-keys'].post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    const ui = await t.request('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    expect(ui.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });
});
