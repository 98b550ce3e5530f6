import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, sessionCookie, type TestRuntime } from '../support/index.js';

const PUBLIC = 'https://beton.example.com';
let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime({ env: { BETON_PUBLIC_URL: PUBLIC } });
});
afterAll(() => t?.close());

describe('behind https (BETON_PUBLIC_URL)', () => {
  it('issues Secure session cookies and sends HSTS', async () => {
    const res = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.owner.email, password: t.users.owner.password },
      headers: { origin: PUBLIC },
    });
    expect(res.status).toBe(200);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/; Secure/i);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(res.headers.get('strict-transport-security')).toContain('max-age=');

    // The cookie works, and writes must come from the public origin.
    const cookie = sessionCookie(res.headers);
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    const body = { name: 'from the app' };
    expect(
      (await t.request('POST', '/api/v1/api-keys', { headers: { cookie, origin: t.baseUrl }, body })).status,
    ).toBe(403);
    expect(
      (await t.request('POST', '/api/v1/api-keys', { headers: { cookie, origin: PUBLIC }, body })).status,
    ).toBe(201);
  });

  it('closes better-auth’s own member management, which Beton serves under /api/v1', async () => {
    const res = await t.request('POST', '/api/auth/sign-in/email', {
      body: { email: t.users.admin.email, password: t.users.admin.password },
      headers: { origin: PUBLIC },
    });
    const cookie = sessionCookie(res.headers);
    const members = await t.request('GET', '/api/v1/members', { key: t.keys.admin });
    const viewer = members.json.members.find((m: { role: string }) => m.role === 'viewer');
    const bypass = await t.request('POST', '/api/auth/organization/update-member-role', {
      body: { memberId: viewer.id, role: 'owner', organizationId: t.workspaceId },
      headers: { cookie, origin: PUBLIC },
    });
    expect(bypass.status).toBe(404);
    const after = await t.request('GET', '/api/v1/members', { key: t.keys.admin });
    expect(after.json.members.find((m: { id: string }) => m.id === viewer.id).role).toBe('viewer');
    const setActive = await t.request('POST', '/api/auth/organization/set-active', {
      body: { organizationId: t.workspaceId },
      headers: { cookie, origin: PUBLIC },
    });
    expect(setActive.status).toBe(200);
  });
});
