import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ env: { BETON_BODY_LIMIT: '2048' } });
});
afterAll(() => t?.close());

describe('bad input and the one error shape', () => {
  it('answers malformed JSON with 400 and a message', async () => {
    const res = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.admin,
      rawBody: '{"name": "ci",',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('malformed_json');
    expect(res.json.error.message).toMatch(/JSON/i);
  });

  it('rejects unknown fields with 400 naming each field', async () => {
    const res = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.admin,
      body: { name: 'ci', scope: 'all', extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.details).toEqual(
      expect.arrayContaining([
        { path: 'body.scope', message: 'is not a known field' },
        { path: 'body.extra', message: 'is not a known field' },
      ]),
    );
  });

  it('reports invalid values with their field path', async () => {
    const res = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.admin,
      body: { name: '', role: 'god' },
    });
    expect(res.status).toBe(400);
    const paths = res.json.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.role']));
    const query = await t.request('GET', '/api/v1/audit-log?limit=abc', { key: t.keys.admin });
    expect(query.status).toBe(400);
    expect(query.json.error.details[0].path).toBe('querystring.limit');
  });

  it('answers an oversized body with 413', async () => {
    const res = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.admin,
      body: { name: 'x'.repeat(4096) },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await t.request('GET', '/api/v1/nothing-here', { key: t.keys.viewer });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('route_not_found');
  });

  it('echoes a sane x-request-id and makes one otherwise', async () => {
    const given = await t.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await t.request('GET', '/healthz', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers', async () => {
    const res = await t.request('GET', '/healthz');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeNull(); // plain http install
  });

  it('answers an unexpected error with 500, the request id, and no stack or secret', async () => {
    const app = await buildApp(t.rt, { logRequests: false });
    app.get('/boom', async () => {
      throw new Error('database password is sk_test_supersecret123 at /srv/beton/src/x.ts:10');
    });
    const res = await app.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'req-500' } });
    await app.close();
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body.error).toMatchObject({ code: 'internal', requestId: 'req-500' });
    expect(res.body).not.toContain('supersecret');
    expect(res.body).not.toContain('.ts');
    expect(res.body).not.toContain('stack');
  });
});
