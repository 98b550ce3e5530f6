import { recordAudit } from '../audit/index.js';
import { AppError, badRequest, conflict, notFound } from '../core/errors.js';
import { type AuthContext, callAuth, toIso } from './context.js';

export interface Workspace {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

export interface UserInfo {
  id: string;
  email: string;
  name: string;
}

const toWorkspace = (row: {
  id: string;
  name: string;
  slug: string;
  createdAt: string | Date;
}): Workspace => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  createdAt: toIso(row.createdAt),
});

/** `Acme Inc.` → `acme-inc`; never empty. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return slug || 'workspace';
}

async function uniqueSlug(ctx: AuthContext, name: string): Promise<string> {
  const base = slugify(name);
  const taken = new Set(
    (
      await ctx.db.kysely
        .selectFrom('workspaces')
        .select('slug')
        .where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
        .execute()
    ).map((r) => r.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/**
 * Create a workspace owned by an existing user.
 *
 * @example
 * const ws = await createWorkspace(rt, { name: 'Acme', ownerUserId: user.id });
 */
export async function createWorkspace(
  ctx: AuthContext,
  input: { name: string; ownerUserId: string },
): Promise<Workspace> {
  const name = input.name.trim();
  if (!name) throw badRequest('A workspace needs a name.');
  const slug = await uniqueSlug(ctx, name);
  const org = await callAuth(() =>
    ctx.auth.api.createOrganization({ body: { name, slug, userId: input.ownerUserId } }),
  );
  if (!org) throw new AppError(500, 'workspace_not_created', 'The workspace could not be created.');
  const workspace = toWorkspace(org);
  await recordAudit(
    ctx.db,
    workspace.id,
    { actorType: 'user', actorId: input.ownerUserId },
    'workspace.create',
    { targetType: 'workspace', targetId: workspace.id, details: { name, slug } },
    ctx.clock,
  );
  return workspace;
}

/**
 * Create a user with a password and a first workspace they own (used by `beton init` and tests).
 * Fails with 409 if the email is already registered.
 *
 * @example
 * const { workspace, user } = await createWorkspaceWithOwner(rt, {
 *   workspaceName: 'Acme', email: 'ada@acme.test', password: 'correct horse battery',
 * });
 */
export async function createWorkspaceWithOwner(
  ctx: AuthContext,
  input: { workspaceName: string; email: string; password: string; name?: string },
): Promise<{ workspace: Workspace; user: UserInfo }> {
  const email = input.email.trim().toLowerCase();
  const existing = await ctx.db.kysely
    .selectFrom('users')
    .select('id')
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing) {
    throw conflict(`A user with email ${email} already exists; use another email, or sign in as that user.`);
  }
  const signedUp = await callAuth(() =>
    ctx.auth.api.signUpEmail({
      body: { email, password: input.password, name: input.name?.trim() || email.split('@')[0]! },
    }),
  );
  const user: UserInfo = { id: signedUp.user.id, email: signedUp.user.email, name: signedUp.user.name };
  const workspace = await createWorkspace(ctx, { name: input.workspaceName, ownerUserId: user.id });
  return { workspace, user };
}

/**
 * Workspaces, oldest first: every one (for the local operator) or those `userId` belongs to.
 *
 * @example
 * const mine = await listWorkspaces(rt, { userId });
 */
export async function listWorkspaces(ctx: AuthContext, opts: { userId?: string } = {}): Promise<Workspace[]> {
  let q = ctx.db.kysely
    .selectFrom('workspaces')
    .select(['workspaces.id', 'workspaces.name', 'workspaces.slug', 'workspaces.createdAt'])
    .orderBy('workspaces.createdAt')
    .orderBy('workspaces.id');
  if (opts.userId) {
    q = q
      .innerJoin('memberships', 'memberships.organizationId', 'workspaces.id')
      .where('memberships.userId', '=', opts.userId);
  }
  return (await q.execute()).map(toWorkspace);
}

/** One workspace by id. */
export async function getWorkspace(ctx: AuthContext, workspaceId: string): Promise<Workspace> {
  const row = await ctx.db.kysely
    .selectFrom('workspaces')
    .select(['id', 'name', 'slug', 'createdAt'])
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) throw notFound('Workspace');
  return toWorkspace(row);
}

/**
 * The workspace a CLI command acts on: the one named by id or slug, else the only one.
 *
 * @example
 * const ws = await resolveWorkspace(rt, process.env.BETON_WORKSPACE); // 'acme' or an id
 */
export async function resolveWorkspace(ctx: AuthContext, idOrSlug?: string | null): Promise<Workspace> {
  if (idOrSlug) {
    const row = await ctx.db.kysely
      .selectFrom('workspaces')
      .select(['id', 'name', 'slug', 'createdAt'])
      .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
      .executeTakeFirst();
    if (!row) {
      throw new AppError(
        404,
        'workspace_not_found',
        `No workspace "${idOrSlug}". List them with: beton workspaces list`,
      );
    }
    return toWorkspace(row);
  }
  const all = await listWorkspaces(ctx);
  if (all.length === 1) return all[0]!;
  if (all.length === 0) {
    throw new AppError(404, 'no_workspace', 'There is no workspace yet. Create one with: beton init');
  }
  throw new AppError(
    400,
    'workspace_ambiguous',
    `There are ${all.length} workspaces (${all.map((w) => w.slug).join(', ')}); choose one with --workspace SLUG or BETON_WORKSPACE.`,
  );
}
