export {
  type ApiKeyInfo,
  authenticateApiKey,
  createApiKey,
  generateApiKey,
  listApiKeys,
  looksLikeApiKey,
  revokeApiKey,
} from './api-keys.js';
export {
  AUTH_RATE_LIMIT,
  type BetonAuth,
  betterAuthOptions,
  CLIENT_IP_HEADER,
  createBetonAuth,
  migrateAuthTables,
  pendingAuthMigrations,
} from './better-auth.js';
export { type Actor, type AuthContext, auditActorOf, callAuth, cliActor } from './context.js';
export {
  addMember,
  changeMemberRole,
  listMembers,
  type Member,
  membershipRole,
  removeMember,
} from './members.js';
export { isRole, parseRole, ROLES, type Role, roleAtLeast, weakerRole } from './roles.js';
export { authSecretPath, loadAuthSecret } from './secret.js';
export {
  createWorkspace,
  createWorkspaceWithOwner,
  getWorkspace,
  listWorkspaces,
  resolveWorkspace,
  slugify,
  type UserInfo,
  type Workspace,
} from './workspaces.js';
