import { randomBytes, randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/index.js';
import { isoNow } from '../core/clock.js';
import { sha256Hex } from '../core/crypto.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../core/errors.js';
import { type Actor, type AuthContext, auditActorOf, callAuth } from './context.js';
import type { Mailer } from './mailer.js';
import { assertMayGrant, type Member, memberById, membershipRole } from './members.js';
import { mayGrant, parseRole, ROLES, type Role } from './roles.js';
import { normaliseEmail } from './signup.js';

/** How long an invitation link works. */
export const INVITATION_TTL_DAYS = 7;

/** A pending invitation as admins see it (never its token). */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** What the invitee sees before accepting. */
export interface InvitationPreview {
  workspace: { id: string; name: string };
  email: string;
  role: Role;
  expiresAt: string;
  /** Whether to ask them to sign in (true) or to create their account (false). */
  hasAccount: boolean;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const INVALID_LINK =
  'This invitation link is not valid: it was used, revoked or has expired. Ask a workspace admin for a new one.';

/**
 * The web app page that accepts an invitation. The token rides in the fragment, which browsers
 * never send to a server: it stays out of request logs, proxies and Referer headers.
 */
export const invitationUrl = (origin: string, token: string) =>
  `${origin.replace(/\/$/, '')}/invite#${token}`;

type Row = {
  id: string;
  workspace_id: string;
  email: string;
  role: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
};

const toInvitation = (r: Row): Invitation => ({
  id: r.id,
  email: r.email,
  role: parseRole(r.role),
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

const ROW_COLUMNS = [
  'id',
  'workspace_id',
  'email',
  'role',
  'invited_by',
  'created_at',
  'expires_at',
] as const;

function pending(ctx: AuthContext) {
  return ctx.db.kysely
    .selectFrom('member_invitations')
    .select(ROW_COLUMNS)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', isoNow(ctx.clock));
}

async function userIdByEmail(ctx: AuthContext, email: string): Promise<string | null> {
  const row = await ctx.db.kysely
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Invite someone to the actor's workspace. Never attaches an existing account and never sets a
 * password: whoever holds the e-mail address accepts with their own account or creates one. The
 * answer is the same whether or not an account with that e-mail exists (nothing to enumerate).
 * The token is returned here once and stored only as its SHA-256; a newer invitation to the same
 * address replaces a pending one the actor may grant. Sent by e-mail when `mailer` is enabled.
 *
 * @example
 * const { url, emailSent } = await createInvitation(rt, actor, { email: 'bo@acme.test', role: 'viewer' },
 *   { origin: 'https://beton.acme.test', mailer });
 */
export async function createInvitation(
  ctx: AuthContext,
  actor: Actor,
  input: { email: string; role: Role },
  opts: { origin: string; mailer?: Mailer; onMailError?: (e: unknown) => void },
): Promise<{ invitation: Invitation; token: string; url: string; emailSent: boolean }> {
  assertMayGrant(actor, input.role);
  const email = normaliseEmail(input.email);
  const existing = await userIdByEmail(ctx, email);
  if (existing && (await membershipRole(ctx, actor.workspaceId, existing))) {
    throw conflict(`${email} is already a member of this workspace.`, undefined, 'already_member');
  }
  const token = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  const row: Row = {
    id: randomUUID(),
    workspace_id: actor.workspaceId,
    email,
    role: input.role,
    invited_by: actor.userId,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000).toISOString(),
  };
  // Replaces a pending invitation to the same address — only one the actor may grant: an admin
  // does not cancel an owner's invitation (as `revokeInvitation` refuses it too).
  const grantable = ROLES.filter((r) => mayGrant(actor.role, r));
  await ctx.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('member_invitations')
      .set({ revoked_at: row.created_at })
      .where('workspace_id', '=', actor.workspaceId)
      .where('email', '=', email)
      .where('role', 'in', grantable)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
    await trx
      .insertInto('member_invitations')
      .values({
        ...row,
        token_hash: sha256Hex(token),
        accepted_at: null,
        accepted_by: null,
        revoked_at: null,
      })
      .execute();
    await recordAudit(
      trx,
      actor.workspaceId,
      auditActorOf(actor),
      'member.invite',
      { targetType: 'invitation', targetId: row.id, details: { email, role: input.role } },
      ctx.clock,
    );
  });
  const url = invitationUrl(opts.origin, token);
  let emailSent = false;
  if (opts.mailer?.enabled) {
    const workspace = await ctx.db.kysely
      .selectFrom('workspaces')
      .select('name')
      .where('id', '=', actor.workspaceId)
      .executeTakeFirstOrThrow();
    try {
      await opts.mailer.send({
        to: email,
        subject: `You are invited to ${workspace.name} on Beton`,
        text: [
          `You are invited to join the workspace "${workspace.name}" on Beton as ${input.role}.`,
          '',
          `Accept the invitation: ${url}`,
          '',
          `The link works once and expires in ${INVITATION_TTL_DAYS} days. If you did not expect it, ignore this e-mail.`,
        ].join('\n'),
      });
      emailSent = true;
    } catch (e) {
      // The invitation stands: the admin can still copy the link from the answer.
      opts.onMailError?.(e);
    }
  }
  return { invitation: toInvitation(row), token, url, emailSent };
}

/**
 * A workspace's pending invitations (not accepted, revoked or expired), newest first.
 *
 * @example
 * const invitations = await listInvitations(rt, workspaceId);
 */
export async function listInvitations(ctx: AuthContext, workspaceId: string): Promise<Invitation[]> {
  const rows = await pending(ctx)
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toInvitation);
}

/**
 * Revoke a pending invitation of the actor's workspace; its link stops working.
 *
 * @example
 * await revokeInvitation(rt, actor, invitationId);
 */
export async function revokeInvitation(ctx: AuthContext, actor: Actor, id: string): Promise<void> {
  const row = await pending(ctx)
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Invitation');
  assertMayGrant(actor, parseRole(row.role));
  await ctx.db.kysely
    .updateTable('member_invitations')
    .set({ revoked_at: isoNow(ctx.clock) })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .execute();
  await recordAudit(
    ctx.db,
    actor.workspaceId,
    auditActorOf(actor),
    'invitation.revoke',
    { targetType: 'invitation', targetId: id, details: { email: row.email, role: row.role } },
    ctx.clock,
  );
}

async function pendingByToken(ctx: AuthContext, token: string): Promise<Row> {
  const row = TOKEN_SHAPE.test(token)
    ? await pending(ctx).where('token_hash', '=', sha256Hex(token)).executeTakeFirst()
    : undefined;
  if (!row) throw new AppError(404, 'invitation_not_found', INVALID_LINK);
  return row;
}

/**
 * What an invitation link offers, for the page that accepts it (by token; no sign-in needed).
 *
 * @example
 * const preview = await previewInvitation(rt, token); // { workspace: { name: 'Acme' }, role: 'viewer', … }
 */
export async function previewInvitation(ctx: AuthContext, token: string): Promise<InvitationPreview> {
  const row = await pendingByToken(ctx, token);
  const workspace = await ctx.db.kysely
    .selectFrom('workspaces')
    .select(['id', 'name'])
    .where('id', '=', row.workspace_id)
    .executeTakeFirstOrThrow();
  return {
    workspace,
    email: row.email,
    role: parseRole(row.role),
    expiresAt: row.expires_at,
    hasAccount: (await userIdByEmail(ctx, row.email)) !== null,
  };
}

/**
 * Accept an invitation. A signed-in caller (`user`) must be signed in as the invited e-mail. A
 * caller without a session creates the invited account with their own `name` and `password`; if
 * that e-mail already has an account they must sign in first (nobody else's password is ever
 * used or set). The token works once.
 *
 * @example
 * const { member } = await acceptInvitation(rt, token, { user: null, name: 'Bo', password: '…' });
 */
export async function acceptInvitation(
  ctx: AuthContext,
  token: string,
  input: { user: { id: string; email: string } | null; name?: string; password?: string },
): Promise<{ member: Member; workspaceId: string; email: string; createdAccount: boolean }> {
  const row = await pendingByToken(ctx, token);
  let userId: string;
  let createdAccount = false;
  if (input.user) {
    if (input.user.email.toLowerCase() !== row.email) {
      throw forbidden(
        `This invitation is for ${row.email}, but you are signed in as ${input.user.email}. Sign out, then open the link again and sign in or create the account as ${row.email}.`,
      );
    }
    userId = input.user.id;
  } else {
    if (await userIdByEmail(ctx, row.email)) {
      throw new AppError(
        409,
        'sign_in_required',
        `${row.email} already has a Beton account: sign in as ${row.email}, then open the invitation link again.`,
      );
    }
    const password = input.password;
    if (!password) {
      throw badRequest('Choose a password (at least 10 characters) to create your account.');
    }
    const name = input.name?.trim() || row.email.split('@')[0]!;
    const created = await callAuth(() =>
      ctx.auth.api.signUpEmail({ body: { email: row.email, password, name } }),
    );
    userId = created.user.id;
    createdAccount = true;
  }
  if (await membershipRole(ctx, row.workspace_id, userId)) {
    throw conflict(`${row.email} is already a member of this workspace.`, undefined, 'already_member');
  }
  const claimed = await ctx.db.kysely
    .updateTable('member_invitations')
    .set({ accepted_at: isoNow(ctx.clock), accepted_by: userId })
    .where('id', '=', row.id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw new AppError(404, 'invitation_not_found', INVALID_LINK);
  const role = parseRole(row.role);
  const added = await callAuth(() =>
    ctx.auth.api.addMember({ body: { userId, organizationId: row.workspace_id, role } }),
  );
  if (!added) throw notFound('User');
  await recordAudit(
    ctx.db,
    row.workspace_id,
    { actorType: 'user', actorId: userId },
    'member.add',
    { targetType: 'member', targetId: added.id, details: { email: row.email, role, invitationId: row.id } },
    ctx.clock,
  );
  return {
    member: await memberById(ctx, row.workspace_id, added.id),
    workspaceId: row.workspace_id,
    email: row.email,
    createdAccount,
  };
}
