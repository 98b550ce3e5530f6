import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * The server starts without Fastify deprecation warnings (FSTDEP…: e.g. the top-level
 * `disableRequestLogging`, replaced by `logController` in Fastify 5): an operator reading the
 * start-up output should see nothing to worry about.
 */
let t: TestRuntime | undefined;
afterAll(() => t?.close());

describe('start-up', () => {
  it('emits no Fastify warnings while the app is built and serves a request', async () => {
    const warnings: { name: string; code?: string; message: string }[] = [];
    const onWarning = (w: Error & { code?: string }) => {
      warnings.push({ name: w.name, ...(w.code ? { code: w.code } : {}), message: w.message });
    };
    process.on('warning', onWarning);
    try {
      // With a logger, as `beton serve` runs: request logging on.
      t = await createTestRuntime({ logger: createLogger({ level: 'silent' }) });
      expect((await t.request('GET', '/api/v1/me', { key: t.keys.viewer })).status).toBe(200);
      expect((await t.request('GET', '/api/v1/nope', { key: t.keys.viewer })).status).toBe(404);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /^FST/.test(w.code ?? '') || /fastify/i.test(w.name))).toEqual([]);
  });
});
