import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import {
  type Actor,
  authenticateApiKey,
  getWorkspace,
  listWorkspaces,
  membershipRole,
  type Role,
  roleAtLeast,
} from '../../auth/index.js';
import { AppError, forbidden, unauthorized } from '../../core/errors.js';
import type { Runtime } from '../../runtime/index.js';
import { toFetchHeaders } from './fetch-bridge.js';

/**
 * Who may call a route, set on every `/api/v1` route as `config: { access }`:
 * - `public`: no authentication (webhooks verify their own signatures);
 * - `authenticated`: any valid session or API key; `request.actor` is null only for a signed-in
 *   person who belongs to no workspace yet (e.g. `GET /me`, `POST /workspaces`);
 * - `viewer` ⊂ `member` ⊂ `admin` ⊂ `owner`: the caller's role in the resolved workspace.
 */
export type Access = 'public' | 'authenticated' | Role;
export const ACCESS_LEVELS: readonly Access[] = [
  'public',
  'authenticated',
  'viewer',
  'member',
  'admin',
  'owner',
];

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /**
     * The caller in exactly one workspace. Set on every `/api/v1` route whose access is a role;
     * null on `public` routes, and on `authenticated` routes for someone without a workspace.
     */
    actor: Actor | null;
    /** The signed-in person (session) or the API key's creator; null otherwise. */
    user: SessionUser | null;
  }
}

/** Header a signed-in user sends to act in another of their workspaces (id or slug). */
export const WORKSPACE_HEADER = 'x-beton-workspace';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The actor of a route whose access is a role: never null there (the hook answered 401/403 otherwise). */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw unauthorized();
  return request.actor;
}

/**
 * How a run started by this caller is labelled: `web` for a signed-in person (the browser session
 * cookie), `api` for an API key.
 */
export const triggerOf = (actor: Actor): 'web' | 'api' => (actor.apiKeyId ? 'api' : 'web');

/**
 * Fail loudly at start-up when an `/api/v1` route forgets to say who may call it.
 */
function requireAccessOnEveryRoute(app: FastifyInstance) {
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (!access || !ACCESS_LEVELS.includes(access)) {
      throw new Error(
        `Route ${String(route.method)} ${route.url} has no valid config.access (one of ${ACCESS_LEVELS.join(', ')}); every /api/v1 route must declare who may call it.`,
      );
    }
  });
}

/** Beton's own origin: `BETON_PUBLIC_URL`'s, else the one the request was made to. */
export function serverOrigin(rt: Runtime, request: FastifyRequest): string {
  if (rt.config.BETON_PUBLIC_URL) return new URL(rt.config.BETON_PUBLIC_URL).origin;
  return `${request.protocol}://${request.host}`;
}

/** A cookie-authenticated write must come from our own pages (the API key path is exempt). */
function assertSameOrigin(rt: Runtime, request: FastifyRequest) {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if (origin ? origin === serverOrigin(rt, request) : request.headers['sec-fetch-site'] === 'same-origin')
    return;
  throw new AppError(
    403,
    'csrf_rejected',
    'Cross-site request refused: a signed-in browser request must come from Beton’s own pages (tools should use an API key).',
  );
}

async function workspaceForUser(rt: Runtime, request: FastifyRequest, userId: string, active: string | null) {
  const requested = request.headers[WORKSPACE_HEADER];
  if (typeof requested === 'string' && requested) {
    const mine = await listWorkspaces(rt, { userId });
    const match = mine.find((w) => w.id === requested || w.slug === requested);
    if (!match)
      throw new AppError(404, 'workspace_not_found', `You are not a member of workspace "${requested}".`);
    return match.id;
  }
  if (active && (await membershipRole(rt, active, userId))) return active;
  return (await listWorkspaces(rt, { userId }))[0]?.id ?? null;
}

/**
 * The actor of the request's `Authorization: Bearer beton_…` API key (401 when the header is not a
 * valid key; 403 when `x-beton-workspace` names another workspace than the key's), or null when the
 * request sends no `Authorization` header. Session cookies are not looked at: routes that a
 * browser's cookie must not reach (e.g. `/mcp`) authenticate with this alone.
 *
 * @example
 * const actor = await apiKeyActorOf(rt, request);
 * if (!actor) throw unauthorized('Send an API key as "Authorization: Bearer beton_…".');
 */
export async function apiKeyActorOf(rt: Runtime, request: FastifyRequest): Promise<Actor | null> {
  const authorization = request.headers.authorization;
  if (!authorization) return null;
  const [scheme, token] = authorization.split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw unauthorized('Send an API key as "Authorization: Bearer beton_…".');
  }
  const actor = await authenticateApiKey(rt, token);
  const requested = request.headers[WORKSPACE_HEADER];
  if (typeof requested === 'string' && requested && requested !== actor.workspaceId) {
    if ((await getWorkspace(rt, actor.workspaceId)).slug !== requested) {
      throw forbidden(`This API key belongs to another workspace than "${requested}".`);
    }
  }
  return actor;
}

async function authenticate(rt: Runtime, request: FastifyRequest, reply: FastifyReply) {
  const actor = await apiKeyActorOf(rt, request);
  if (actor) {
    request.actor = actor;
    if (actor.userId) {
      const row = await rt.db.kysely
        .selectFrom('users')
        .select(['id', 'email', 'name'])
        .where('id', '=', actor.userId)
        .executeTakeFirst();
      request.user = row ?? null;
    }
    return;
  }

  const { headers, response } = await rt.auth.api.getSession({
    headers: toFetchHeaders(request.headers),
    returnHeaders: true,
  });
  // better-auth may roll the session forward; pass its refreshed cookie on.
  const setCookies = headers.getSetCookie();
  if (setCookies.length > 0) reply.header('set-cookie', setCookies);
  if (!response) throw unauthorized();
  assertSameOrigin(rt, request);
  const user = response.user;
  request.user = { id: user.id, email: user.email, name: user.name };
  const active = (response.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null;
  const workspaceId = await workspaceForUser(rt, request, user.id, active);
  const role = workspaceId ? await membershipRole(rt, workspaceId, user.id) : null;
  request.actor = workspaceId && role ? { workspaceId, userId: user.id, apiKeyId: null, role } : null;
}

/**
 * The signed-in person on a `public` route that behaves differently for them (accepting an
 * invitation), or null without a valid session. A write carrying a session cookie must pass the
 * same CSRF rule as any other cookie write.
 *
 * @example
 * const user = await optionalSessionUser(app.runtime, request, reply);
 */
export async function optionalSessionUser(
  rt: Runtime,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<SessionUser | null> {
  if (!request.headers.cookie) return null;
  const { headers, response } = await rt.auth.api.getSession({
    headers: toFetchHeaders(request.headers),
    returnHeaders: true,
  });
  const setCookies = headers.getSetCookie();
  if (setCookies.length > 0) reply.header('set-cookie', setCookies);
  if (!response) return null;
  assertSameOrigin(rt, request);
  return { id: response.user.id, email: response.user.email, name: response.user.name };
}

/**
 * Authentication and authorization for `/api/v1`, as one encapsulated concern: it rejects routes
 * without `config.access` at registration, resolves the caller (API key or session cookie) and
 * their one workspace before the body is parsed, applies the CSRF rule to cookie writes, and
 * checks the route's role.
 */
export function registerApiAuth(app: FastifyInstance, rt: Runtime) {
  requireAccessOnEveryRoute(app);
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    await authenticate(rt, request, reply);
    if (access === 'authenticated') return;
    if (!request.actor) {
      throw new AppError(
        403,
        'no_workspace',
        'You are not a member of any workspace yet; create one with POST /api/v1/workspaces.',
      );
    }
    const required = access ?? 'admin';
    if (!roleAtLeast(request.actor.role, required)) {
      throw forbidden(`This needs the ${required} role; you are ${request.actor.role} in this workspace.`);
    }
  });
}

/** Installed once on the root instance so `request.actor` / `request.user` exist everywhere. */
export function decorateRequestActor(app: FastifyInstance) {
  app.decorateRequest('actor', null);
  app.decorateRequest('user', null);
}
