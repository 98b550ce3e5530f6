import type { Transaction } from 'kysely';
import { recordAudit } from '../audit/index.js';
import { isoNow } from '../core/clock.js';
import { badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import type { DB } from '../db/schema/index.js';
import { type Actor, type AuthContext, auditActorOf, callAuth, toIso } from './context.js';
import { mayGrant, parseRole, ROLES, type Role } from './roles.js';
import { normaliseEmail } from './signup.js';

export interface Member {
  /** Membership id (what the members routes take). */
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

function memberQuery(ctx: AuthContext, workspaceId: string) {
  return ctx.db.kysely
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.userId')
    .select([
      'memberships.id',
      'memberships.userId',
      'memberships.role',
      'memberships.createdAt',
      'users.email',
      'users.name',
    ])
    .where('memberships.organizationId', '=', workspaceId);
}

const toMember = (r: {
  id: string;
  userId: string;
  role: string;
  createdAt: string | Date;
  email: string;
  name: string;
}): Member => ({
  id: r.id,
  userId: r.userId,
  email: r.email,
  name: r.name,
  role: parseRole(r.role),
  createdAt: toIso(r.createdAt),
});

/**
 * Everyone in a workspace with their role, oldest member first.
 *
 * @example
 * const members = await listMembers(rt, workspaceId);
 */
export async function listMembers(ctx: AuthContext, workspaceId: string): Promise<Member[]> {
  const rows = await memberQuery(ctx, workspaceId)
    .orderBy('memberships.createdAt')
    .orderBy('memberships.id')
    .execute();
  return rows.map(toMember);
}

/** A user's role in a workspace, or null when they are not a member. */
export async function membershipRole(
  ctx: AuthContext,
  workspaceId: string,
  userId: string,
): Promise<Role | null> {
  const row = await ctx.db.kysely
    .selectFrom('memberships')
    .select('role')
    .where('organizationId', '=', workspaceId)
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row ? parseRole(row.role) : null;
}

/** One member of a workspace by membership id, or 404. */
export async function memberById(ctx: AuthContext, workspaceId: string, memberId: string): Promise<Member> {
  const row = await memberQuery(ctx, workspaceId).where('memberships.id', '=', memberId).executeTakeFirst();
  if (!row) throw notFound('Member');
  return toMember(row);
}

/** Only an owner may hand out, change or take away the owner role; admins manage the rest. */
export function assertMayGrant(actor: Actor, role: Role) {
  if (mayGrant(actor.role, role)) return;
  throw forbidden(
    role === 'owner' ? 'Only an owner can manage owners.' : 'Managing members needs the admin role.',
  );
}

/**
 * An invitation is sent with its sender's authority and ends with it: revoke the pending ones
 * `userId` sent in this workspace that `role` — their role from now on, `null` once removed — could
 * not send. So a removed or demoted admin cannot come back, or bring someone in, through a link
 * sent earlier. In the caller's transaction; each revocation is audited. Answers how many.
 */
async function revokeInvitationsBeyond(
  trx: Transaction<DB>,
  ctx: AuthContext,
  actor: Actor,
  sender: { userId: string; role: Role | null },
  reason: 'member.remove' | 'member.role_change',
): Promise<number> {
  const beyond = ROLES.filter((r) => !mayGrant(sender.role, r));
  if (beyond.length === 0) return 0;
  const revoked = await trx
    .updateTable('member_invitations')
    .set({ revoked_at: isoNow(ctx.clock) })
    .where('workspace_id', '=', actor.workspaceId)
    .where('invited_by', '=', sender.userId)
    .where('role', 'in', beyond)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning(['id', 'email', 'role'])
    .execute();
  for (const invitation of revoked) {
    await recordAudit(
      trx,
      actor.workspaceId,
      auditActorOf(actor),
      'invitation.revoke',
      {
        targetType: 'invitation',
        targetId: invitation.id,
        details: { email: invitation.email, role: invitation.role, reason },
      },
      ctx.clock,
    );
  }
  return revoked.length;
}

async function assertNotLastOwner(ctx: AuthContext, workspaceId: string, member: Member) {
  if (member.role !== 'owner') return;
  const owners = (await listMembers(ctx, workspaceId)).filter((m) => m.role === 'owner');
  if (owners.length <= 1) {
    throw conflict(
      'This is the workspace’s last owner; make someone else owner first.',
      undefined,
      'last_owner',
    );
  }
}

/**
 * Add a user to the actor's workspace by email, server-side (seeding, tests, the local operator).
 * If no user has that email yet and a `password` is given, the account is created with it. Not
 * reachable over HTTP: there people join by invitation (`createInvitation`), because attaching an
 * account someone else registered, or choosing another person's password, hands over access.
 *
 * @example
 * await addMember(rt, actor, { email: 'bo@acme.test', role: 'viewer' });
 */
export async function addMember(
  ctx: AuthContext,
  actor: Actor,
  input: { email: string; role: Role; password?: string; name?: string },
): Promise<Member> {
  assertMayGrant(actor, input.role);
  const email = normaliseEmail(input.email);
  let user = await ctx.db.kysely
    .selectFrom('users')
    .select(['id'])
    .where('email', '=', email)
    .executeTakeFirst();
  if (!user) {
    if (!input.password) {
      throw badRequest(
        `No user has the email ${email}. Ask them to sign up first, or give a password to create their account.`,
        undefined,
        'user_not_found',
      );
    }
    const password = input.password;
    const created = await callAuth(() =>
      ctx.auth.api.signUpEmail({
        body: { email, password, name: input.name?.trim() || email.split('@')[0]! },
      }),
    );
    user = { id: created.user.id };
  }
  if (await membershipRole(ctx, actor.workspaceId, user.id)) {
    throw conflict(`${email} is already a member of this workspace.`, undefined, 'already_member');
  }
  const userId = user.id;
  const added = await callAuth(() =>
    ctx.auth.api.addMember({ body: { userId, organizationId: actor.workspaceId, role: input.role } }),
  );
  if (!added) throw notFound('User');
  await recordAudit(
    ctx.db,
    actor.workspaceId,
    auditActorOf(actor),
    'member.add',
    { targetType: 'member', targetId: added.id, details: { email, role: input.role } },
    ctx.clock,
  );
  return memberById(ctx, actor.workspaceId, added.id);
}

/**
 * Change a member's role. Admins manage admins, members and viewers; only owners manage owners;
 * the last owner cannot be demoted. Their pending invitations the new role could not send are
 * revoked.
 *
 * @example
 * await changeMemberRole(rt, actor, memberId, 'admin');
 */
export async function changeMemberRole(
  ctx: AuthContext,
  actor: Actor,
  memberId: string,
  role: Role,
): Promise<Member> {
  const member = await memberById(ctx, actor.workspaceId, memberId);
  assertMayGrant(actor, role);
  assertMayGrant(actor, member.role);
  if (role !== 'owner') await assertNotLastOwner(ctx, actor.workspaceId, member);
  await ctx.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('memberships')
      .set({ role })
      .where('organizationId', '=', actor.workspaceId)
      .where('id', '=', memberId)
      .execute();
    const revokedInvitations = await revokeInvitationsBeyond(
      trx,
      ctx,
      actor,
      { userId: member.userId, role },
      'member.role_change',
    );
    await recordAudit(
      trx,
      actor.workspaceId,
      auditActorOf(actor),
      'member.role_change',
      {
        targetType: 'member',
        targetId: memberId,
        details: {
          email: member.email,
          from: member.role,
          to: role,
          ...(revokedInvitations > 0 ? { revokedInvitations } : {}),
        },
      },
      ctx.clock,
    );
  });
  return { ...member, role };
}

/**
 * Remove a member from the actor's workspace (their user account stays). Their sessions lose
 * access to this workspace at once, and the API keys they created here are revoked — so adding
 * them back later does not bring old keys back to life — as are the invitations they sent that
 * are still pending.
 *
 * @example
 * await removeMember(rt, actor, memberId);
 */
export async function removeMember(ctx: AuthContext, actor: Actor, memberId: string): Promise<void> {
  const member = await memberById(ctx, actor.workspaceId, memberId);
  assertMayGrant(actor, member.role);
  await assertNotLastOwner(ctx, actor.workspaceId, member);
  const now = isoNow(ctx.clock);
  await ctx.db.kysely.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('memberships')
      .where('organizationId', '=', actor.workspaceId)
      .where('id', '=', memberId)
      .execute();
    const revoked = await trx
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('workspace_id', '=', actor.workspaceId)
      .where('user_id', '=', member.userId)
      .where('revoked_at', 'is', null)
      .returning(['id', 'name', 'prefix'])
      .execute();
    for (const key of revoked) {
      await recordAudit(
        trx,
        actor.workspaceId,
        auditActorOf(actor),
        'api_key.revoke',
        {
          targetType: 'api_key',
          targetId: key.id,
          details: { name: key.name, prefix: key.prefix, reason: 'member.remove' },
        },
        ctx.clock,
      );
    }
    const revokedInvitations = await revokeInvitationsBeyond(
      trx,
      ctx,
      actor,
      { userId: member.userId, role: null },
      'member.remove',
    );
    await recordAudit(
      trx,
      actor.workspaceId,
      auditActorOf(actor),
      'member.remove',
      {
        targetType: 'member',
        targetId: memberId,
        details: {
          email: member.email,
          role: member.role,
          revokedApiKeys: revoked.length,
          revokedInvitations,
        },
      },
      ctx.clock,
    );
  });
}
