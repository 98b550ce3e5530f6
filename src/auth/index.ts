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
  ACCOUNT_SIGN_IN_LIMIT,
  type AttemptLimit,
  attemptKey,
  clearAttempts,
  consumeAttempt,
  INVITATION_LIMIT,
} from './attempts.js';
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
  acceptInvitation,
  createInvitation,
  INVITATION_TTL_DAYS,
  type Invitation,
  type InvitationPreview,
  invitationUrl,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from './invitations.js';
export { createMailer, type Mail, type Mailer } from './mailer.js';
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
  MAX_EMAIL_LENGTH,
  normaliseEmail,
  SIGN_UP_CLOSED_MESSAGE,
  type SignUpPolicy,
  type SignUpSetting,
  setSignUpSetting,
  signUpPolicy,
} from './signup.js';
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
