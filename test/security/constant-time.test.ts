import * as crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { authenticateApiKey } from '../../src/auth/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * API keys are compared in constant time: every presented key — right, wrong in its secret part,
 * of an unknown prefix, or not key-shaped at all — goes through `crypto.timingSafeEqual` on
 * equal-length digests. Proven on the code path (a spy on the comparison), not by timing.
 */
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());
beforeEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe('API key comparison', () => {
  it('goes through timingSafeEqual on SHA-256 digests for every kind of presented key', async () => {
    const key = t.keys.admin;
    const prefix = key.slice(0, 'beton_'.length + 8);
    const presented = {
      right: key,
      'wrong secret, known prefix': `${prefix}_${'Z'.repeat(40)}`,
      'unknown prefix': `beton_zzzzzzzz_${'Z'.repeat(40)}`,
      'not a key': 'hello',
      'one character off': `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`,
    };
    for (const [label, value] of Object.entries(presented)) {
      vi.mocked(crypto.timingSafeEqual).mockClear();
      const outcome = await authenticateApiKey(t.rt, value).then(
        () => 'ok',
        () => 'refused',
      );
      expect(outcome, label).toBe(label === 'right' ? 'ok' : 'refused');
      const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
      expect(calls.length, label).toBeGreaterThanOrEqual(1);
      for (const [a, b] of calls) {
        // 64 hex characters: the digest is compared, never the key itself.
        expect((a as Buffer).length, label).toBe(64);
        expect((b as Buffer).length, label).toBe(64);
        expect(Buffer.from(a as Buffer).toString()).not.toContain(value);
      }
    }
  });

  it('is what the HTTP API uses for Bearer keys', async () => {
    const res = await t.request('GET', '/api/v1/me', { key: `beton_zzzzzzzz_${'Z'.repeat(40)}` });
    expect(res.status).toBe(401);
    expect(vi.mocked(crypto.timingSafeEqual)).toHaveBeenCalled();
  });
});
