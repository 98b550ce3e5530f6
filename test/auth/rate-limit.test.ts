import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_RATE_LIMIT } from '../../src/auth/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

describe('sign-in rate limit', () => {
  it('answers 429 once a client exceeds the sign-in attempts per window', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_RATE_LIMIT.max + 2; i++) {
      const res = await t.request('POST', '/api/auth/sign-in/email', {
        body: { email: t.users.owner.email, password: `wrong-password-${i}` },
        headers: { origin: t.baseUrl },
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, AUTH_RATE_LIMIT.max).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(AUTH_RATE_LIMIT.max)).toEqual([429, 429]);

    // Even the right password waits out the window: brute force cannot race it.
    const right = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.owner.email, password: t.users.owner.password },
      headers: { origin: t.baseUrl },
    });
    expect(right.status).toBe(429);
  });

  it('keys the limit on the socket address, not a client-sent forwarding header', async () => {
    const res = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.owner.email, password: t.users.owner.password },
      headers: { origin: t.baseUrl, 'x-forwarded-for': '203.0.113.9', 'x-beton-client-ip': '203.0.113.10' },
    });
    expect(res.status).toBe(429);
  });
});
