import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiAuth } from '../../src/api/plugins/auth.js';
import { createTestRuntime, signIn, type TestRuntime, type TestWorkspace } from '../support/index.js';

let t: TestRuntime;
let other: TestWorkspace;
beforeAll(async () => {
  t = await createTestRuntime();
  other = await t.createOtherWorkspace();
});
afterAll(() => t?.close());

describe('roles', () => {
  it('lets a viewer read but not write', async () => {
    expect((await t.request('GET', '/api/v1/me', { key: t.keys.viewer })).status).toBe(200);
    const write = await t.request('POST', '/api/v1/api-keys', { key: t.keys.viewer, body: { name: 'nope' } });
    expect(write.status).toBe(403);
    expect(write.json.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/admin role.*viewer/),
    });
  });

  it('keeps configuration to admins and owners', async () => {
    for (const role of ['viewer', 'member'] as const) {
      expect((await t.request('GET', '/api/v1/members', { key: t.keys[role] })).status).toBe(403);
      expect((await t.request('GET', '/api/v1/audit-log', { key: t.keys[role] })).status).toBe(403);
    }
    for (const role of ['admin', 'owner'] as const) {
      expect((await t.request('GET', '/api/v1/members', { key: t.keys[role] })).status).toBe(200);
    }
  });

  it('creates a key shown once, at most the creator’s role, and audits it', async () => {
    const created = await t.request('POST', '/api/v1/api-keys', { key: t.keys.admin, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^beton_/);
    expect(created.json.apiKey.role).toBe('member');
    expect(created.headers.get('cache-control')).toBe('no-store');
    const tooStrong = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.admin,
      body: { name: 'x', role: 'owner' },
    });
    expect(tooStrong.status).toBe(403);
    const audit = await t.request('GET', '/api/v1/audit-log?action=api_key.create&limit=5', {
      key: t.keys.admin,
    });
    expect(audit.json.entries[0]).toMatchObject({ action: 'api_key.create', actorType: 'api_key' });
    expect(audit.text).not.toContain(created.json.key);
  });
});

describe('workspace isolation', () => {
  it('answers 404 for every id belonging to another workspace', async () => {
    const theirKeys = await t.request('GET', '/api/v1/api-keys', { key: other.keys.admin });
    const theirMembers = await t.request('GET', '/api/v1/members', { key: other.keys.admin });
    const keyId = theirKeys.json.apiKeys[0].id;
    const memberId = theirMembers.json.members.find((m: { role: string }) => m.role === 'viewer').id;

    const attempts = [
      t.request('DELETE', `/api/v1/api-keys/${keyId}`, { key: t.keys.owner }),
      t.request('PATCH', `/api/v1/members/${memberId}`, { key: t.keys.owner, body: { role: 'admin' } }),
      t.request('DELETE', `/api/v1/members/${memberId}`, { key: t.keys.owner }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
    // Nothing changed over there.
    const after = await t.request('GET', '/api/v1/members', { key: other.keys.admin });
    expect(after.json.members.find((m: { id: string }) => m.id === memberId).role).toBe('viewer');
    const keysAfter = await t.request('GET', '/api/v1/api-keys', { key: other.keys.admin });
    expect(keysAfter.json.apiKeys.every((k: { revokedAt: string | null }) => k.revokedAt === null)).toBe(
      true,
    );
  });

  it('never lists another workspace’s data', async () => {
    const mine = await t.request('GET', '/api/v1/api-keys', { key: t.keys.admin });
    const theirs = await t.request('GET', '/api/v1/api-keys', { key: other.keys.admin });
    const mineIds = new Set(mine.json.apiKeys.map((k: { id: string }) => k.id));
    expect(theirs.json.apiKeys.some((k: { id: string }) => mineIds.has(k.id))).toBe(false);
    const ws = await t.request('GET', '/api/v1/workspaces', { key: t.keys.admin });
    expect(ws.json.workspaces.map((w: { id: string }) => w.id)).toEqual([t.workspaceId]);
  });

  it('refuses an API key aimed at another workspace by header', async () => {
    const res = await t.request('GET', '/api/v1/me', {
      key: t.keys.admin,
      headers: { 'x-beton-workspace': other.workspaceId },
    });
    expect(res.status).toBe(403);
  });
});

describe('session workspace selection and CSRF', () => {
  it('lets a user who belongs to two workspaces pick one by header, and not a foreign one', async () => {
    // Make the first workspace's admin a viewer in the other workspace.
    // Adding an existing account invites it; it joins when that person accepts, signed in.
    const add = await t.request('POST', '/api/v1/members', {
      key: other.keys.owner,
      body: { email: t.users.admin.email, role: 'viewer' },
    });
    expect(add.status).toBe(201);
    const cookie = await signIn(t, t.users.admin);
    const accept = await t.request('POST', '/api/v1/invitations/accept', {
      body: { token: new URL(add.json.url).hash.slice(1) },
      headers: { cookie, origin: t.baseUrl },
    });
    expect(accept.status).toBe(200);
    const here = await t.request('GET', '/api/v1/me', {
      headers: { cookie, 'x-beton-workspace': t.workspaceId },
    });
    expect(here.json).toMatchObject({ workspace: { id: t.workspaceId }, role: 'admin' });
    const there = await t.request('GET', '/api/v1/me', {
      headers: { cookie, 'x-beton-workspace': other.workspaceId },
    });
    expect(there.json).toMatchObject({ workspace: { id: other.workspaceId }, role: 'viewer' });
    const list = await t.request('GET', '/api/v1/workspaces', { headers: { cookie } });
    expect(list.json.workspaces).toHaveLength(2);

    const stranger = await t.createOtherWorkspace();
    const foreign = await t.request('GET', '/api/v1/me', {
      headers: { cookie, 'x-beton-workspace': stranger.workspaceId },
    });
    expect(foreign.status).toBe(404);
  });

  it('requires a same-origin Origin on cookie writes, but not on Bearer writes', async () => {
    const cookie = await signIn(t, t.users.owner);
    const body = { name: 'csrf check' };
    const noOrigin = await t.request('POST', '/api/v1/api-keys', { headers: { cookie }, body });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.json.error.code).toBe('csrf_rejected');
    const evil = await t.request('POST', '/api/v1/api-keys', {
      headers: { cookie, origin: 'https://evil.example' },
      body,
    });
    expect(evil.status).toBe(403);
    const same = await t.request('POST', '/api/v1/api-keys', {
      headers: { cookie, origin: t.baseUrl },
      body,
    });
    expect(same.status).toBe(201);
    const fetchMeta = await t.request('POST', '/api/v1/api-keys', {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
      body,
    });
    expect(fetchMeta.status).toBe(201);
    const bearer = await t.request('POST', '/api/v1/api-keys', { key: t.keys.owner, body });
    expect(bearer.status).toBe(201);
  });
});

describe('route registration', () => {
  it('fails loudly when an /api/v1 route has no access rule', async () => {
    const app = Fastify();
    const registering = app.register(
      async (v1) => {
        registerApiAuth(v1, t.rt);
        v1.get('/forgotten', async () => ({ ok: true }));
      },
      { prefix: '/api/v1' },
    );
    await expect(Promise.resolve(registering).then(() => app.ready())).rejects.toThrow(
      /GET \/api\/v1\/forgotten has no valid config.access/,
    );
    await app.close().catch(() => undefined);
  });
});
