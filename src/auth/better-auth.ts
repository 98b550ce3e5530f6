import { type BetterAuthOptions, betterAuth } from 'better-auth';
import { createAuthMiddleware } from 'better-auth/api';
import { getMigrations } from 'better-auth/db/migration';
import { organization } from 'better-auth/plugins';
import { createAccessControl } from 'better-auth/plugins/access';
import { adminAc, defaultStatements, memberAc, ownerAc } from 'better-auth/plugins/organization/access';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/index.js';

/**
 * better-auth's organization access control with Beton's extra `viewer` role, which holds no
 * organization permissions at all (reads are granted by Beton's own role check).
 */
const accessControl = createAccessControl(defaultStatements);
const organizationRoles = {
  owner: ownerAc,
  admin: adminAc,
  member: memberAc,
  viewer: accessControl.newRole({ ac: ['read'] }),
};

/**
 * better-auth's organization endpoints that Beton serves itself under /api/v1 (with its role
 * rules, audit log and one error shape), so they are closed at /api/auth. The web app keeps
 * `/organization/set-active` and `/organization/list`.
 */
const ORGANIZATION_PATHS_SERVED_BY_BETON = [
  'accept-invitation',
  'add-team-member',
  'cancel-invitation',
  'check-slug',
  'create',
  'create-role',
  'create-team',
  'delete',
  'delete-role',
  'get-active-member',
  'get-active-member-role',
  'get-full-organization',
  'get-invitation',
  'get-organization',
  'get-role',
  'invite-member',
  'leave',
  'list-invitations',
  'list-members',
  'list-roles',
  'list-team-members',
  'list-teams',
  'list-user-invitations',
  'list-user-teams',
  'reject-invitation',
  'remove-member',
  'remove-team',
  'remove-team-member',
  'set-active-team',
  'update',
  'update-member-role',
  'update-role',
  'update-team',
].map((p) => `/organization/${p}`);

/**
 * Whoever changes their password ends every other session of theirs, whatever the client asked:
 * a password change is how people lock out someone who learnt the old one.
 */
const endOtherSessionsOnPasswordChange = createAuthMiddleware(async (ctx) => {
  if (ctx.path !== '/change-password') return;
  return { context: { body: { ...(ctx.body as object), revokeOtherSessions: true } } };
});

/** Header the API sets (overwriting anything a client sent) so better-auth rate-limits by client IP. */
export const CLIENT_IP_HEADER = 'x-beton-client-ip';

/** Sign-in and sign-up attempts allowed per client IP per window; more get 429. */
export const AUTH_RATE_LIMIT = { window: 60, max: 10 } as const;

export interface BetonAuthDeps {
  config: Config;
  db: Db;
  logger: Logger;
  secret: string;
}

/**
 * better-auth's configuration for Beton: users, passwords and sessions, with the organization
 * plugin as workspaces, all on Beton's own database (the same Kysely instance) under Beton's table
 * names. One function so the server, the CLI and the migration step see identical options.
 */
export function betterAuthOptions({ config, db, logger, secret }: BetonAuthDeps) {
  const publicUrl = config.BETON_PUBLIC_URL;
  return {
    appName: 'Beton',
    secret,
    // Without a public URL, better-auth derives the origin from each request (local use).
    ...(publicUrl ? { baseURL: publicUrl } : {}),
    basePath: '/api/auth',
    database: { db: db.kysely, type: db.dialect },
    telemetry: { enabled: false },
    disabledPaths: ORGANIZATION_PATHS_SERVED_BY_BETON,
    logger: {
      level: 'warn',
      log: (level, message) => {
        // Deriving the origin per request is intended when BETON_PUBLIC_URL is unset.
        if (!publicUrl && message.includes('Base URL is not set')) return;
        if (level === 'error') logger.error(message);
        else logger.warn(message);
      },
    },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 10,
      maxPasswordLength: 256,
      autoSignIn: true,
      // A new password ends every other session (a reset, if ever configured, ends them all).
      revokeSessionsOnPasswordReset: true,
    },
    hooks: { before: endOtherSessionsOnPasswordChange },
    user: { modelName: 'users' },
    session: { modelName: 'sessions', expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    // `accounts` is Beton's business table (companies); better-auth's credential rows live apart.
    account: { modelName: 'auth_accounts' },
    verification: { modelName: 'verifications' },
    rateLimit: {
      enabled: true,
      storage: 'database',
      modelName: 'auth_rate_limits',
      window: 60,
      max: 100,
      customRules: { '/sign-in/*': AUTH_RATE_LIMIT, '/sign-up/*': AUTH_RATE_LIMIT },
    },
    advanced: {
      // better-auth turns its origin (CSRF) check off by itself when NODE_ENV is `test`; a server
      // started that way must not lose it, so it is on whatever the environment says.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      cookiePrefix: 'beton',
      useSecureCookies: publicUrl?.startsWith('https://') ?? false,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    plugins: [
      organization({
        ac: accessControl,
        roles: organizationRoles,
        creatorRole: 'owner',
        // Workspaces are created through Beton's services (which also record the audit entry).
        allowUserToCreateOrganization: true,
        schema: {
          organization: { modelName: 'workspaces' },
          member: { modelName: 'memberships' },
          invitation: { modelName: 'invitations' },
        },
      }),
    ],
  } satisfies BetterAuthOptions;
}

/**
 * The better-auth instance Beton runs with.
 *
 * @example
 * const auth = createBetonAuth({ config, db, logger, secret });
 * await auth.api.signUpEmail({ body: { email, password, name } });
 */
export function createBetonAuth(deps: BetonAuthDeps) {
  return betterAuth(betterAuthOptions(deps));
}

export type BetonAuth = ReturnType<typeof createBetonAuth>;

/**
 * Create or update better-auth's tables (users, sessions, workspaces, …). Runs before Beton's own
 * migrations on every start and in `beton migrate`; a no-op when the schema is current.
 */
export async function migrateAuthTables(deps: BetonAuthDeps): Promise<string[]> {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(betterAuthOptions(deps));
  const changed = [...toBeCreated, ...toBeAdded].map((t) => t.table);
  if (changed.length > 0) await runMigrations();
  return changed;
}

/** better-auth tables still missing or out of date (for /readyz). */
export async function pendingAuthMigrations(deps: BetonAuthDeps): Promise<string[]> {
  const { toBeCreated, toBeAdded } = await getMigrations(betterAuthOptions(deps), { throwOnUnsafe: false });
  return [...toBeCreated, ...toBeAdded].map((t) => `auth:${t.table}`);
}
