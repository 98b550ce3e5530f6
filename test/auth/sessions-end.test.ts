import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  addMember,
  authenticateApiKey,
  cliActor,
  createApiKey,
  listMembers,
  removeMember,
} from '../../src/auth/index.js';
import {
  createTestRuntime,
  sessionCookie,
  signIn,
  TEST_PASSWORD,
  type TestRuntime,
} from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

describe('a password change (issue 21 #14)', () => {
  it('ends every other session of that person, even when the client asks to keep them', async () => {
    const elsewhere = await signIn(t, t.users.member);
    const here = await signIn(t, t.users.member);
    const res = await t.request('POST', '/api/auth/change-password', {
      body: {
        currentPassword: TEST_PASSWORD,
        newPassword: 'a-brand-new-password',
        revokeOtherSessions: false,
      },
      headers: { cookie: here, origin: t.baseUrl },
    });
    expect(res.status).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie: elsewhere } })).status).toBe(401);
    // The person who changed it stays signed in (with the fresh cookie).
    const fresh = sessionCookie(res.headers) || here;
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie: fresh } })).status).toBe(200);
  });
});

describe('removing a member (issue 21 #8)', () => {
  it('revokes their API keys here, so re-adding them does not bring the keys back', async () => {
    const owner: Actor = {
      workspaceId: t.workspaceId,
      userId: t.users.owner.id,
      apiKeyId: null,
      role: 'owner',
    };
    const added = await addMember(t.rt, owner, {
      email: 'temp@beton.test',
      role: 'admin',
      password: TEST_PASSWORD,
    });
    const actor: Actor = { workspaceId: t.workspaceId, userId: added.userId, apiKeyId: null, role: 'admin' };
    const { key } = await createApiKey(t.rt, actor, { name: 'theirs', role: 'admin' });
    expect((await t.request('GET', '/api/v1/me', { key })).status).toBe(200);

    await removeMember(t.rt, cliActor(t.workspaceId), added.id);
    await addMember(t.rt, owner, { email: 'temp@beton.test', role: 'admin' });
    expect((await listMembers(t.rt, t.workspaceId)).some((m) => m.email === 'temp@beton.test')).toBe(true);
    const res = await t.request('GET', '/api/v1/me', { key });
    expect(res.status).toBe(401);
    await expect(authenticateApiKey(t.rt, key)).rejects.toThrow(/revoked/);
  });
});
