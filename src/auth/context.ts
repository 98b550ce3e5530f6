import { isAPIError } from 'better-auth/api';
import type { AuditActor } from '../audit/index.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/index.js';
import type { BetonAuth } from './better-auth.js';
import type { Role } from './roles.js';

/** What the auth services need from the runtime (a `Runtime` satisfies it). */
export interface AuthContext {
  db: Db;
  auth: BetonAuth;
  clock: Clock;
}

/**
 * Who is acting, in exactly one workspace, with which role. The API resolves one per request
 * (`request.actor`); the CLI acts as the local operator (`cliActor`).
 */
export interface Actor {
  workspaceId: string;
  /** The signed-in user, or the user who created the API key; null for the CLI. */
  userId: string | null;
  /** Set when the request authenticated with an API key. */
  apiKeyId: string | null;
  role: Role;
}

/**
 * The local operator running `beton …` on the server: full rights in the workspace it names,
 * because whoever can run the CLI can already read the database.
 *
 * @example
 * await createApiKey(rt, cliActor(workspace.id), { name: 'ci' });
 */
export const cliActor = (workspaceId: string): Actor => ({
  workspaceId,
  userId: null,
  apiKeyId: null,
  role: 'owner',
});

/** How an actor appears in the audit log. */
export function auditActorOf(actor: Actor): AuditActor {
  if (actor.apiKeyId) return { actorType: 'api_key', actorId: actor.apiKeyId };
  if (actor.userId) return { actorType: 'user', actorId: actor.userId };
  return { actorType: 'cli', actorId: null };
}

/**
 * Run a better-auth server call, turning its errors into AppErrors with the same status and
 * message (e.g. "Password too short") so callers see Beton's one error shape.
 */
export async function callAuth<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isAPIError(e)) {
      const body = (e.body ?? {}) as { code?: string; message?: string };
      throw new AppError(
        e.statusCode,
        (body.code ?? String(e.status)).toLowerCase(),
        body.message ?? e.message ?? 'Authentication request failed.',
      );
    }
    throw e;
  }
}

/** better-auth returns Date objects on Postgres and ISO strings on SQLite; Beton speaks ISO text. */
export const toIso = (value: string | Date): string =>
  (value instanceof Date ? value : new Date(value)).toISOString();
