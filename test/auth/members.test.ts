import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/audit/index.js';
import {
  type Actor,
  addMember,
  changeMemberRole,
  createWorkspaceWithOwner,
  listMembers,
  removeMember,
  resolveWorkspace,
} from '../../src/auth/index.js';
import { createTestRuntime, TEST_PASSWORD, type TestRuntime } from '../support/index.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

const actorFor = (role: 'owner' | 'admin' | 'member' | 'viewer'): Actor => ({
  workspaceId: t.workspaceId,
  userId: t.users[role].id,
  apiKeyId: null,
  role,
});

describe('members and roles', () => {
  it('lists the seeded members with their roles', async () => {
    const members = await listMembers(t.rt, t.workspaceId);
    expect(members.map((m) => m.role).sort()).toEqual(['admin', 'member', 'owner', 'viewer']);
  });

  it('lets admins manage non-owners but only owners manage owners', async () => {
    const added = await addMember(t.rt, actorFor('admin'), {
      email: 'helper@beton.test',
      role: 'member',
      password: TEST_PASSWORD,
    });
    expect(added.role).toBe('member');
    await expect(changeMemberRole(t.rt, actorFor('admin'), added.id, 'owner')).rejects.toThrow(
      /Only an owner/,
    );
    expect((await changeMemberRole(t.rt, actorFor('owner'), added.id, 'owner')).role).toBe('owner');
    await expect(removeMember(t.rt, actorFor('admin'), added.id)).rejects.toThrow(/Only an owner/);
    await removeMember(t.rt, actorFor('owner'), added.id);
    expect((await listMembers(t.rt, t.workspaceId)).some((m) => m.id === added.id)).toBe(false);
  });

  it('never leaves a workspace without an owner', async () => {
    const owner = (await listMembers(t.rt, t.workspaceId)).find((m) => m.role === 'owner')!;
    await expect(changeMemberRole(t.rt, actorFor('owner'), owner.id, 'admin')).rejects.toMatchObject({
      code: 'last_owner',
    });
    await expect(removeMember(t.rt, actorFor('owner'), owner.id)).rejects.toMatchObject({
      code: 'last_owner',
    });
  });

  it('refuses to add an unknown email without a password, and a duplicate member', async () => {
    await expect(
      addMember(t.rt, actorFor('admin'), { email: 'ghost@beton.test', role: 'viewer' }),
    ).rejects.toMatchObject({
      code: 'user_not_found',
    });
    await expect(
      addMember(t.rt, actorFor('admin'), { email: t.users.viewer.email, role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'already_member' });
  });

  it('writes member changes to the audit log without secrets', async () => {
    await addMember(t.rt, actorFor('owner'), {
      email: 'audited@beton.test',
      role: 'viewer',
      password: TEST_PASSWORD,
    });
    const entries = await listAudit(t.rt.db, t.workspaceId, { action: 'member.add' });
    const entry = entries.find((e) => e.details?.email === 'audited@beton.test')!;
    expect(entry).toMatchObject({
      actorType: 'user',
      actorId: t.users.owner.id,
      details: { role: 'viewer' },
    });
    expect(JSON.stringify(entries)).not.toContain(TEST_PASSWORD);
  });
});

describe('resolveWorkspace', () => {
  it('picks the only workspace, or the named one, and explains ambiguity', async () => {
    const other = await t.createOtherWorkspace();
    await expect(resolveWorkspace(t.rt)).rejects.toMatchObject({ code: 'workspace_ambiguous' });
    expect((await resolveWorkspace(t.rt, other.workspaceId)).id).toBe(other.workspaceId);
    const bySlug = await resolveWorkspace(t.rt, 'test-workspace');
    expect(bySlug.id).toBe(t.workspaceId);
    await expect(resolveWorkspace(t.rt, 'nope')).rejects.toThrow(/beton workspaces list/);
  });

  it('gives workspaces with the same name distinct slugs', async () => {
    const a = await createWorkspaceWithOwner(t.rt, {
      workspaceName: 'Same',
      email: 's1@beton.test',
      password: TEST_PASSWORD,
    });
    const b = await createWorkspaceWithOwner(t.rt, {
      workspaceName: 'Same',
      email: 's2@beton.test',
      password: TEST_PASSWORD,
    });
    expect([a.workspace.slug, b.workspace.slug]).toEqual(['same', 'same-2']);
    await expect(
      createWorkspaceWithOwner(t.rt, { workspaceName: 'X', email: 's1@beton.test', password: TEST_PASSWORD }),
    ).rejects.toMatchObject({ status: 409 });
  });
});
