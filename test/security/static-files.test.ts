import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * The built web app as a server in production serves it: source maps stay private (they carry the
 * original source), and a path that climbs out of the web root is refused as `forbidden`, not
 * mislabelled as a bad request.
 */
let webDist: string;
const runtimes: TestRuntime[] = [];
const apps: FastifyInstance[] = [];

async function appIn(nodeEnv: 'production' | 'development') {
  const t = await createTestRuntime({ env: { NODE_ENV: nodeEnv }, seed: false });
  runtimes.push(t);
  const app = await buildApp(t.rt, { webDist, logRequests: false });
  apps.push(app);
  return app;
}

beforeAll(() => {
  webDist = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-web-'));
  fs.mkdirSync(path.join(webDist, 'assets'));
  fs.writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><title>Beton</title>');
  fs.writeFileSync(path.join(webDist, 'assets/app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map');
  fs.writeFileSync(
    path.join(webDist, 'assets/app.js.map'),
    '{"version":3,"sourcesContent":["secret source"]}',
  );
});
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const t of runtimes) await t.close();
  fs.rmSync(webDist, { recursive: true, force: true });
});

describe('web app files', () => {
  it('does not serve source maps in production (404, not the map and not index.html)', async () => {
    const app = await appIn('production');
    const js = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect(js.statusCode).toBe(200);
    for (const url of ['/assets/app.js.map', '/assets/APP.JS.MAP', '/assets/app.js.map?x=1']) {
      const map = await app.inject({ method: 'GET', url });
      expect(map.statusCode, url).toBe(404);
      expect(map.body, url).not.toContain('secret source');
      expect(map.body, url).not.toContain('<title>Beton');
    }
    // Client-side routes still answer the app.
    const route = await app.inject({ method: 'GET', url: '/accounts/123' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<title>Beton');
  });

  it('serves source maps in development', async () => {
    const app = await appIn('development');
    const map = await app.inject({ method: 'GET', url: '/assets/app.js.map' });
    expect(map.statusCode).toBe(200);
    expect(map.body).toContain('secret source');
  });

  it('labels a refused traversal 403 as forbidden', async () => {
    const app = await appIn('production');
    const res = await app.inject({ method: 'GET', url: '/assets/..%2f..%2f..%2fetc/passwd' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect(res.body).not.toContain('root:');
  });
});
