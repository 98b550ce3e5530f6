import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import {
  type Actor,
  addMember,
  cliActor,
  createApiKey,
  createInvitation,
  createMailer,
  type Role,
  setSignUpSetting,
  signUpPolicy,
} from '../../src/auth/index.js';
import {
  createTestRuntime,
  sessionCookie,
  signIn,
  TEST_PASSWORD,
  type TestRuntime,
} from '../support/index.js';

/** A local SMTP server that keeps what it receives. */
async function startSmtp() {
  const received: { to: string[]; raw: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString('utf8');
      });
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let t: TestRuntime;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await createTestRuntime({
    env: { BETON_SMTP_URL: smtp.url, BETON_MAIL_FROM: 'Beton <beton@acme.test>' },
  });
});
afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const tokenOf = (url: string) => new URL(url).hash.slice(1);

describe('invitations', () => {
  it('e-mails the link when SMTP is configured, and still returns it once', async () => {
    const res = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: 'Bo@Acme.test', role: 'viewer' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      emailSent: true,
      invitation: { email: 'bo@acme.test', role: 'viewer' },
    });
    expect(res.json.url).toMatch(new RegExp(`^${t.baseUrl}/invite#[A-Za-z0-9_-]{43}$`));
    const mail = smtp.received.find((m) => m.to.includes('bo@acme.test'))!;
    expect(mail.raw).toContain('From: Beton <beton@acme.test>');
    expect(mail.raw.replace(/=\r?\n/g, '')).toContain(tokenOf(res.json.url));
  });

  it('lists pending invitations without tokens, and a revoked link stops working', async () => {
    const res = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: 'cy@acme.test', role: 'member' },
    });
    const list = await t.request('GET', '/api/v1/invitations', { key: t.keys.admin });
    expect(list.json.invitations.map((i: { email: string }) => i.email)).toEqual(
      expect.arrayContaining(['bo@acme.test', 'cy@acme.test']),
    );
    expect(list.text).not.toContain(tokenOf(res.json.url));
    expect((await t.request('GET', '/api/v1/invitations', { key: t.keys.member })).status).toBe(403);
    const del = await t.request('DELETE', `/api/v1/invitations/${res.json.invitation.id}`, {
      key: t.keys.admin,
    });
    expect(del.status).toBe(204);
    const accept = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token: tokenOf(res.json.url), password: 'a-password-of-mine' },
    });
    expect(accept.status).toBe(404);
    expect((await listAudit(t.rt.db, t.workspaceId, { action: 'invitation.revoke' })).length).toBe(1);
  });

  it('lets only an owner invite an owner, and refuses to re-invite a member', async () => {
    const asAdmin = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: 'boss@acme.test', role: 'owner' },
    });
    expect(asAdmin.status).toBe(403);
    const member = await t.request('POST', '/api/v1/members', {
      key: t.keys.admin,
      body: { email: t.users.viewer.email, role: 'viewer' },
    });
    expect(member.json.error.code).toBe('already_member');
  });

  it('expires after its lifetime', async () => {
    const created = await createInvitation(
      t.rt,
      cliActor(t.workspaceId),
      { email: 'late@acme.test', role: 'viewer' },
      {
        origin: t.baseUrl,
      },
    );
    await t.rt.db.kysely
      .updateTable('member_invitations')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', created.invitation.id)
      .execute();
    const lookup = await t.request('POST', '/api/v1/invitations/lookup', { body: { token: created.token } });
    expect(lookup.status).toBe(404);
    expect(lookup.json.error.message).toMatch(/Ask a workspace admin/);
  });

  it('an existing account accepts after signing in as the invited e-mail', async () => {
    const other = await t.createOtherWorkspace();
    const res = await t.request('POST', '/api/v1/members', {
      key: other.keys.owner,
      body: { email: t.users.member.email, role: 'admin' },
    });
    const token = tokenOf(res.json.url);
    const lookup = await t.request('POST', '/api/v1/invitations/lookup', { body: { token } });
    expect(lookup.json.invitation.hasAccount).toBe(true);
    const cookie = await signIn(t, t.users.member);
    const noOrigin = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token },
      headers: { cookie },
    });
    expect(noOrigin.json.error.code).toBe('csrf_rejected');
    const accept = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token },
      headers: { cookie, origin: t.baseUrl },
    });
    expect(accept.status).toBe(200);
    expect(accept.json).toMatchObject({
      workspace: { id: other.workspaceId },
      role: 'admin',
      createdAccount: false,
    });
    const there = await t.request('GET', '/api/v1/me', {
      headers: { cookie, 'x-beton-workspace': other.workspaceId },
    });
    expect(there.json.role).toBe('admin');
  });

  /** A new member of this workspace holding `role`, with an API key of their own. */
  async function sender(email: string, role: Role) {
    const member = await addMember(t.rt, cliActor(t.workspaceId), { email, role, password: TEST_PASSWORD });
    const actor: Actor = { workspaceId: t.workspaceId, userId: member.userId, apiKeyId: null, role };
    const { key } = await createApiKey(t.rt, actor, { name: 'sender', role });
    return { member, key };
  }
  const invite = async (key: string, email: string, role: Role) => {
    const res = await t.request('POST', '/api/v1/members', { key, body: { email, role } });
    expect(res.status, res.text).toBe(201);
    return tokenOf(res.json.url);
  };
  const accept = (token: string) =>
    t.request('POST', '/api/v1/invitations/accept', { body: { token, password: 'a-password-of-mine' } });

  it("ends a removed sender's pending invitations: an admin cannot come back through one", async () => {
    const departing = await sender('departing.admin@acme.test', 'admin');
    const own = await invite(departing.key, 'alt.one@evil.test', 'admin');
    const hire = await invite(departing.key, 'new.hire@acme.test', 'viewer');
    const removed = await t.request('DELETE', `/api/v1/members/${departing.member.id}`, {
      key: t.keys.owner,
    });
    expect(removed.status).toBe(204);

    for (const token of [own, hire]) {
      const res = await accept(token);
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('invitation_not_found');
    }
    const members = await t.request('GET', '/api/v1/members', { key: t.keys.owner });
    expect(members.json.members.map((m: { email: string }) => m.email)).not.toContain('alt.one@evil.test');
    const pending = await t.request('GET', '/api/v1/invitations', { key: t.keys.owner });
    expect(pending.json.invitations.map((i: { email: string }) => i.email)).not.toEqual(
      expect.arrayContaining(['alt.one@evil.test']),
    );
    const revoked = await listAudit(t.rt.db, t.workspaceId, { action: 'invitation.revoke' });
    expect(
      revoked
        .filter((e) => e.details?.reason === 'member.remove')
        .map((e) => e.details?.email)
        .sort(),
    ).toEqual(['alt.one@evil.test', 'new.hire@acme.test']);
    const [removal] = await listAudit(t.rt.db, t.workspaceId, { action: 'member.remove' });
    expect(removal?.details).toMatchObject({ email: 'departing.admin@acme.test', revokedInvitations: 2 });
  });

  it('keeps only the invitations a demoted sender could still send', async () => {
    const owner = await sender('second.owner@acme.test', 'owner');
    const boss = await invite(owner.key, 'boss@evil.test', 'owner');
    const staff = await invite(owner.key, 'staff@acme.test', 'admin');
    const admin = await sender('demoted.admin@acme.test', 'admin');
    const alt = await invite(admin.key, 'alt.two@evil.test', 'admin');
    for (const [who, role] of [
      [owner, 'admin'],
      [admin, 'member'],
    ] as const) {
      const res = await t.request('PATCH', `/api/v1/members/${who.member.id}`, {
        key: t.keys.owner,
        body: { role },
      });
      expect(res.status).toBe(200);
    }
    expect((await accept(boss)).status).toBe(404); // an admin now: cannot make owners
    expect((await accept(alt)).status).toBe(404); // a member now: cannot invite at all
    const kept = await accept(staff);
    expect(kept.status).toBe(200);
    expect(kept.json).toMatchObject({ role: 'admin', createdAccount: true });
  });

  it("does not let an admin cancel an owner's invitation by inviting the same address again", async () => {
    const byOwner = await invite(t.keys.owner, 'heir@acme.test', 'owner');
    await invite(t.keys.admin, 'heir@acme.test', 'viewer');
    const accepted = await accept(byOwner);
    expect(accepted.status).toBe(200);
    expect(accepted.json.role).toBe('owner');
  });

  it('rate-limits public invitation calls per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      statuses.push(
        (await t.request('POST', '/api/v1/invitations/lookup', { body: { token: `x${i}` } })).status,
      );
    }
    expect(statuses).toContain(429);
  });

  it('sign-up: closed once a workspace exists; the operator opens it (setting or BETON_SIGNUP)', async () => {
    expect(await signUpPolicy(t.rt.db, t.rt.config)).toEqual({ open: false, source: 'first_workspace' });
    await setSignUpSetting(t.rt.db, 'open');
    expect((await t.request('GET', '/api/v1/signup')).json).toEqual({ open: true });
    const res = await t.request('POST', '/api/auth/sign-up/email', {
      body: { email: 'opened@acme.test', password: 'long-enough-password', name: 'O' },
      headers: { origin: t.baseUrl },
    });
    expect(res.status).toBe(200);
    expect(sessionCookie(res.headers)).toMatch(/beton\.session_token/);
    expect(await signUpPolicy(t.rt.db, { BETON_SIGNUP: 'closed' })).toEqual({ open: false, source: 'env' });
    await setSignUpSetting(t.rt.db, null);
  });

  it('a disabled mailer says how to enable it', async () => {
    const mailer = createMailer({});
    expect(mailer.enabled).toBe(false);
    await expect(mailer.send({ to: 'x@y.test', subject: 's', text: 't' })).rejects.toThrow(/BETON_SMTP_URL/);
  });
});
