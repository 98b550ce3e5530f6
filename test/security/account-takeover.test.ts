import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, sessionCookie, signIn, type TestRuntime } from '../support/index.js';

/**
 * Issue 21, finding 1: registering someone's e-mail before their admin adds them must not hand
 * the registrant that person's membership. Over HTTP against a real server (SQLite, or Postgres
 * with DATABASE_URL).
 */
let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

const VICTIM_EMAIL = 'cfo@victim.test';
const signUp = (body: Record<string, string>) =>
  t.request('POST', '/api/auth/sign-up/email', { body, headers: { origin: t.baseUrl } });

describe('account takeover by registering an e-mail first', () => {
  it('refuses sign-up once a workspace exists, with a message to ask for an invitation', async () => {
    const status = await t.request('GET', '/api/v1/signup');
    expect(status.json).toEqual({ open: false });
    const res = await signUp({ email: VICTIM_EMAIL, password: 'attacker-password-1', name: 'Mallory' });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ code: 'SIGNUP_CLOSED', message: expect.stringContaining('invitation') });
    const users = await t.rt.db.kysely
      .selectFrom('users')
      .select('id')
      .where('email', '=', VICTIM_EMAIL)
      .execute();
    expect(users).toEqual([]);
  });

  it('never attaches an account someone else registered: POST /members only invites', async () => {
    // The attacker got an account anyway (e.g. while sign-up was open).
    await t.rt.auth.api.signUpEmail({
      body: { email: VICTIM_EMAIL, password: 'attacker-password-1', name: 'Mallory' },
    });
    const add = await t.request('POST', '/api/v1/members', {
      key: t.keys.owner,
      body: { email: VICTIM_EMAIL, role: 'owner' },
    });
    expect(add.status).toBe(201);
    expect(add.json.invitation).toMatchObject({ email: VICTIM_EMAIL, role: 'owner' });
    const members = await t.request('GET', '/api/v1/members', { key: t.keys.owner });
    expect(members.json.members.map((m: { email: string }) => m.email)).not.toContain(VICTIM_EMAIL);

    // Signed in with the attacker's password, the account is in no workspace.
    const cookie = await signIn(t, { email: VICTIM_EMAIL, password: 'attacker-password-1' });
    const me = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(me.json).toMatchObject({ workspace: null, role: null });
  });

  it('answers the same whether or not the e-mail has an account (no enumeration)', async () => {
    const known = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: t.users.viewer.email.replace('viewer', 'nobody'), role: 'viewer' },
    });
    const existing = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: VICTIM_EMAIL, role: 'viewer' },
    });
    expect(known.status).toBe(201);
    expect(existing.status).toBe(201);
    expect(Object.keys(existing.json).sort()).toEqual(Object.keys(known.json).sort());
    expect(Object.keys(existing.json.invitation).sort()).toEqual(Object.keys(known.json.invitation).sort());
  });

  it('never sets a password for someone else', async () => {
    const res = await t.request('POST', '/api/v1/members', {
      key: t.keys.owner,
      body: { email: 'new.hire@victim.test', role: 'viewer', password: 'chosen-by-the-admin' },
    });
    expect(res.status).toBe(400);
    const users = await t.rt.db.kysely
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'new.hire@victim.test')
      .execute();
    expect(users).toEqual([]);
  });

  it('lets only the invited e-mail accept, once: the attacker cannot use an account registered first', async () => {
    const add = await t.request('POST', '/api/v1/members', {
      key: t.keys.owner,
      body: { email: VICTIM_EMAIL, role: 'admin' },
    });
    const token = new URL(add.json.url).hash.slice(1);
    // Without a session, an existing account must sign in first: no account creation, no attach.
    const anonymous = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token, password: 'another-password-2' },
    });
    expect(anonymous.status).toBe(409);
    expect(anonymous.json.error.code).toBe('sign_in_required');
    // Someone signed in as another e-mail cannot take it.
    const other = await signIn(t, t.users.member);
    const wrong = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token },
      headers: { cookie: other, origin: t.baseUrl },
    });
    expect(wrong.status).toBe(403);
    const members = await t.request('GET', '/api/v1/members', { key: t.keys.owner });
    expect(members.json.members.map((m: { email: string }) => m.email)).not.toContain(VICTIM_EMAIL);
  });

  it('a new person accepts with their own password, becomes a member with the invited role, once', async () => {
    const add = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: 'ana@victim.test', role: 'member' },
    });
    const token = new URL(add.json.url).hash.slice(1);
    const lookup = await t.request('POST', '/api/v1/invitations/lookup', { body: { token } });
    expect(lookup.json.invitation).toMatchObject({
      email: 'ana@victim.test',
      role: 'member',
      hasAccount: false,
    });
    const accept = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token, name: 'Ana', password: 'anas-own-password' },
    });
    expect(accept.status).toBe(200);
    expect(accept.json).toMatchObject({
      workspace: { id: t.workspaceId },
      role: 'member',
      createdAccount: true,
    });
    const cookie = sessionCookie(accept.headers);
    const me = await t.request('GET', '/api/v1/me', { headers: { cookie } });
    expect(me.json).toMatchObject({ user: { email: 'ana@victim.test' }, role: 'member' });
    const again = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token, name: 'Ana', password: 'anas-own-password' },
    });
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe('invitation_not_found');
  });

  it('stores only a hash of the token', async () => {
    const add = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: 'hash.check@victim.test', role: 'viewer' },
    });
    const token = new URL(add.json.url).hash.slice(1);
    const rows = await t.rt.db.kysely.selectFrom('member_invitations').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});
