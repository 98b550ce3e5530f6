import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_SIGN_IN_LIMIT, AUTH_RATE_LIMIT } from '../../src/auth/index.js';
import { trustProxyOf } from '../../src/core/config.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * Issue 21, finding 2: with BETON_PUBLIC_URL set, a client-chosen X-Forwarded-For gave every guess
 * a fresh rate-limit key. Over HTTP against real servers (SQLite, or Postgres with DATABASE_URL).
 */
const PUBLIC = 'https://beton.example.com';
const attempt = (t: TestRuntime, email: string, password: string, forwardedFor: string) =>
  t.request('POST', '/api/auth/sign-in/email', {
    body: { email, password },
    headers: { origin: PUBLIC, 'x-forwarded-for': forwardedFor },
  });

// Every attempt runs scrypt (better-auth hashes even for unknown accounts): slow under load.
describe('behind the documented proxy set-up (BETON_PUBLIC_URL, default trusted proxies)', {
  timeout: 120_000,
}, () => {
  let t: TestRuntime;
  beforeAll(async () => {
    t = await createTestRuntime({ env: { BETON_PUBLIC_URL: PUBLIC } });
  }, 120_000);
  afterAll(() => t?.close());

  it('keys the per-address limit on the address the proxy saw, not on what the client prepended', async () => {
    // The loopback "proxy" appends the real client (203.0.113.50); the attacker varies the left part.
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_RATE_LIMIT.max + 3; i++) {
      const res = await attempt(
        t,
        `sprayed-${i}@victim.test`,
        `guess-${i}-xxxxxxxx`,
        `198.51.100.${i}, 203.0.113.50`,
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, AUTH_RATE_LIMIT.max).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(AUTH_RATE_LIMIT.max)).toEqual([429, 429, 429]);
  });
});

describe('a distributed guesser (every attempt from another address)', { timeout: 120_000 }, () => {
  let t: TestRuntime;
  beforeAll(async () => {
    // One trusted hop: each request's X-Forwarded-For is believed, as from a real load balancer.
    t = await createTestRuntime({ env: { BETON_PUBLIC_URL: PUBLIC, BETON_TRUSTED_PROXIES: '1' } });
  }, 120_000);
  afterAll(() => t?.close());

  it('is stopped per account, and the right password waits too; a success clears the count', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ACCOUNT_SIGN_IN_LIMIT.max + 2; i++) {
      const res = await attempt(
        t,
        t.users.owner.email.toUpperCase(),
        `guess-${i}-xxxxxxxx`,
        `198.51.100.${i + 1}`,
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, ACCOUNT_SIGN_IN_LIMIT.max).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(ACCOUNT_SIGN_IN_LIMIT.max)).toEqual([429, 429]);
    const right = await attempt(t, t.users.owner.email, t.users.owner.password, '198.51.100.200');
    expect(right.status).toBe(429);
    expect(right.json.message).toMatch(/Wait/);

    // Other accounts are not affected.
    const other = await attempt(t, t.users.admin.email, t.users.admin.password, '198.51.100.201');
    expect(other.status).toBe(200);
    // After a success, that account's mistakes start from zero.
    await t.rt.db.kysely.deleteFrom('auth_attempts').execute();
    expect((await attempt(t, t.users.owner.email, 'one-wrong-guess', '198.51.100.202')).status).toBe(401);
    expect((await attempt(t, t.users.owner.email, t.users.owner.password, '198.51.100.203')).status).toBe(
      200,
    );
    const left = await t.rt.db.kysely.selectFrom('auth_attempts').selectAll().execute();
    expect(left.filter((r) => r.key.startsWith('sign-in:'))).toEqual([]);
  });
});

describe('BETON_TRUSTED_PROXIES', () => {
  it('trusts nothing by default, loopback behind BETON_PUBLIC_URL, else what it lists', () => {
    expect(trustProxyOf({})).toBe(false);
    expect(trustProxyOf({ BETON_PUBLIC_URL: PUBLIC })).toEqual(['loopback']);
    expect(trustProxyOf({ BETON_PUBLIC_URL: PUBLIC, BETON_TRUSTED_PROXIES: '0' })).toBe(false);
    expect(trustProxyOf({ BETON_TRUSTED_PROXIES: '10.0.0.0/8, 10.1.2.3' })).toEqual([
      '10.0.0.0/8',
      '10.1.2.3',
    ]);
    const hops = trustProxyOf({ BETON_TRUSTED_PROXIES: '2' }) as (a: string, hop: number) => boolean;
    expect([hops('x', 0), hops('x', 1), hops('x', 2)]).toEqual([true, true, false]);
  });
});
