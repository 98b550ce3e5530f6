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

export interface AuthTables {
  users: UsersTable;
  sessions: SessionsTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
}
