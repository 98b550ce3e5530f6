import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateApiKey,
  cliActor,
  createApiKey,
  generateApiKey,
  listApiKeys,
  listMembers,
  removeMember,
  revokeApiKey,
} from '../../src/auth/index.js';
import { sha256Hex } from '../../src/core/crypto.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

describe('API keys', () => {
  it('have the beton_<prefix>_<secret> shape and are stored only as a SHA-256 hash', async () => {
    const { key } = generateApiKey();
    expect(key).toMatch(/^beton_[a-z0-9]{8}_[A-Za-z0-9]{40}$/);
    const { key: created, apiKey } = await createApiKey(t.rt, cliActor(t.workspaceId), {
      name: 'hash check',
    });
    const row = await t.rt.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', apiKey.id)
      .executeTakeFirstOrThrow();
    expect(row.hash).toBe(sha256Hex(created));
    expect(JSON.stringify(row)).not.toContain(created.slice(15));
    expect(created.startsWith(`${row.prefix}_`)).toBe(true);
  });

  it('authenticate over HTTP with the role they were created with', async () => {
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      const me = await t.request('GET', '/api/v1/me', { key: t.keys[role] });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ role, workspace: { id: t.workspaceId } });
    }
  });

  it('are listed without secrets and revoked keys stop working at once', async () => {
    const { key, apiKey } = await createApiKey(t.rt, cliActor(t.workspaceId), {
      name: 'to revoke',
      role: 'viewer',
    });
    expect((await t.request('GET', '/api/v1/me', { key })).status).toBe(200);
    const listed = await t.request('GET', '/api/v1/api-keys', { key: t.keys.admin });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(key);
    expect(listed.text).not.toContain('"hash"');
    expect(listed.json.apiKeys.map((k: { id: string }) => k.id)).toContain(apiKey.id);

    const revoked = await t.request('DELETE', `/api/v1/api-keys/${apiKey.id}`, { key: t.keys.admin });
    expect(revoked.status).toBe(200);
    expect(revoked.json.apiKey.revokedAt).toEqual(expect.any(String));
    const after = await t.request('GET', '/api/v1/me', { key });
    expect(after.status).toBe(401);
    expect(after.json.error.message).toMatch(/revoked/);
  });

  it('reject unknown, malformed and altered keys', async () => {
    const altered = `${t.keys.viewer.slice(0, -1)}${t.keys.viewer.endsWith('a') ? 'b' : 'a'}`;
    for (const key of ['beton_nope', 'sk_test_123', altered, `${t.keys.viewer}x`]) {
      const res = await t.request('GET', '/api/v1/me', { key });
      expect(res.status).toBe(401);
    }
    const basic = await t.request('GET', '/api/v1/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
  });

  it('never act above the creator’s current role, and die with the creator’s membership', async () => {
    const admin = t.users.admin;
    const adminActor = {
      workspaceId: t.workspaceId,
      userId: admin.id,
      apiKeyId: null,
      role: 'admin' as const,
    };
    await expect(createApiKey(t.rt, adminActor, { name: 'too strong', role: 'owner' })).rejects.toThrow(
      /cannot create a key with the owner role/,
    );
    const { key } = await createApiKey(t.rt, adminActor, { name: 'admin key', role: 'admin' });
    expect((await authenticateApiKey(t.rt, key)).role).toBe('admin');

    // Demoted creator: the key follows down.
    await t.rt.db.kysely
      .updateTable('memberships')
      .set({ role: 'viewer' })
      .where('organizationId', '=', t.workspaceId)
      .where('userId', '=', admin.id)
      .execute();
    expect((await authenticateApiKey(t.rt, key)).role).toBe('viewer');

    const member = (await listMembers(t.rt, t.workspaceId)).find((m) => m.userId === admin.id)!;
    await removeMember(t.rt, cliActor(t.workspaceId), member.id);
    await expect(authenticateApiKey(t.rt, key)).rejects.toThrow(/no longer a member/);
  });

  it('record last use at most once a minute', async () => {
    const { key, apiKey } = await createApiKey(t.rt, cliActor(t.workspaceId), { name: 'usage' });
    expect(apiKey.lastUsedAt).toBeNull();
    await t.request('GET', '/api/v1/me', { key });
    const first = (await listApiKeys(t.rt, t.workspaceId)).find((k) => k.id === apiKey.id)!.lastUsedAt;
    expect(first).toEqual(expect.any(String));
    await t.request('GET', '/api/v1/me', { key });
    const second = (await listApiKeys(t.rt, t.workspaceId)).find((k) => k.id === apiKey.id)!.lastUsedAt;
    expect(second).toBe(first);
  });

  it('revoke by prefix from the CLI actor, and revoking twice is harmless', async () => {
    const { apiKey } = await createApiKey(t.rt, cliActor(t.workspaceId), { name: 'by prefix' });
    const once = await revokeApiKey(t.rt, cliActor(t.workspaceId), apiKey.prefix);
    const twice = await revokeApiKey(t.rt, cliActor(t.workspaceId), apiKey.prefix);
    expect(twice.revokedAt).toBe(once.revokedAt);
  });
});
