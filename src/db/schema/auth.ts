/**
 * Tables owned by better-auth (users, sessions, auth_accounts, verifications) and its organization
 * plugin (workspaces, memberships, invitations). better-auth creates and migrates them and names
 * their columns in camelCase; Beton's own tables use snake_case. Only the columns Beton's own
 * queries read are typed here.
 */
export interface UsersTable {
  id: string;
  name: string;
  email: string;
  emailVerified: number | boolean;
  createdAt: string | Date;
  updatedAt: string | Date;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  slug: string;
  createdAt: string | Date;
}

export interface MembershipsTable {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  createdAt: string | Date;
}

export interface SessionsTable {
  id: string;
  userId: string;
  token: string;
  expiresAt: string | Date;
  activeOrganizationId: string | null;
  createdAt: string | Date;
  updatedAt: string | Date;
}

export interface InvitationsTable {
  id: string;
  organizationId: string;
  email: string;
  role: string | null;
  status: string;
  expiresAt: string | Date;
  inviterId: string;
  createdAt: string | Date;
}

/** Installation-wide settings an operator changes at run time (`signup`). */
export interface InstallationSettingsTable {
  key: string;
  value: string;
  updated_at: string;
}

/** An invitation to a workspace; only the SHA-256 of its token is stored. */
export interface MemberInvitationsTable {
  id: string;
  workspace_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_by: string | null;
  revoked_at: string | null;
}

/** Fixed-window attempt counters (sign-in per account, invitation look-ups per address). */
export interface AuthAttemptsTable {
  key: string;
  count: number;
  window_start: string;
}

export interface AuthTables {
  installation_settings: InstallationSettingsTable;
  member_invitations: MemberInvitationsTable;
  auth_attempts: AuthAttemptsTable;
  users: UsersTable;
  sessions: SessionsTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
}
