import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, sessionCookie, signIn, type TestRuntime } from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  // An installation whose operator opened sign-up (it is closed once a workspace exists otherwise).
  t = await createTestRuntime({ env: { BETON_SIGNUP: 'open' } });
});
afterAll(() => t?.close());

describe('sign-up, sign-in and sessions (better-auth on Beton’s database)', () => {
  it('signs up a new user, who is signed in but has no workspace until they create one', async () => {
    const res = await t.request('POST', '/api/auth/sign-up/email', {
      body: { email: 'new.person@beton.test', password: 'a-long-enough-password', name: 'New Person' },
      headers: { origin: t.baseUrl },
    });
    expect(res.status).toBe(200);
    const cookie = sessionCookie(res.headers);
    expect(cookie).toMatch(/^beton\.session_token=/);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain http without BETON_PUBLIC_URL

    const me = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ user: { email: 'new.person@beton.test' }, workspace: null, role: null });
    expect((await t.request('GET', '/api/v1/api-keys', { headers: { cookie } })).json.error.code).toBe(
      'no_workspace',
    );

    const created = await t.request('POST', '/api/v1/workspaces', {
      body: { name: 'Fresh Co' },
      headers: { cookie, origin: t.baseUrl },
    });
    expect(created.status).toBe(201);
    const after = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(after.json).toMatchObject({ workspace: { name: 'Fresh Co', slug: 'fresh-co' }, role: 'owner' });
  });

  it('rejects a too-short password at sign-up with a message', async () => {
    const res = await t.request('POST', '/api/auth/sign-up/email', {
      body: { email: 'short@beton.test', password: 'short', name: 'S' },
      headers: { origin: t.baseUrl },
    });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/password/i);
  });

  it('signs in with the right password and not with a wrong one', async () => {
    const cookie = await signIn(t, t.users.member);
    const me = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(me.json).toMatchObject({ user: { email: t.users.member.email }, role: 'member' });

    const wrong = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.member.email, password: 'not-the-password' },
      headers: { origin: t.baseUrl },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('rejects an expired session and a forged cookie', async () => {
    const cookie = await signIn(t, t.users.viewer);
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    const past = new Date(Date.now() - 60_000);
    await t.rt.db.kysely
      .updateTable('sessions')
      .set({ expiresAt: t.rt.db.dialect === 'postgres' ? past : past.toISOString() })
      .where('userId', '=', t.users.viewer.id)
      .execute();
    const expired = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(expired.status).toBe(401);
    expect(expired.json.error.code).toBe('unauthorized');

    const forged = await t.request('GET', '/api/v1/me', {
      headers: { cookie: 'beton.session_token=abc.def' },
    });
    expect(forged.status).toBe(401);
  });

  it('signs out: the cookie stops working', async () => {
    const cookie = await signIn(t, t.users.admin);
    const out = await t.request('POST', '/api/auth/sign-out', {
      body: {},
      headers: { cookie, origin: t.baseUrl },
    });
    expect(out.status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(401);
  });

  it('answers 401 in Beton’s error shape without credentials', async () => {
    const res = await t.request('GET', '/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({
      code: 'unauthorized',
      message: expect.stringContaining('Bearer'),
    });
  });
});
