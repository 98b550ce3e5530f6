import { badRequest } from '../core/errors.js';

/**
 * Workspace roles, strongest first. Each includes everything below it: an owner can do what an
 * admin can, an admin what a member can, a member what a viewer can.
 * - viewer reads; member operates (syncs, pushes); admin configures (connections, members, keys);
 *   owner also deletes the workspace and manages owners.
 */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const isRole = (value: unknown): value is Role => typeof value === 'string' && value in RANK;

/**
 * Whether `role` grants at least `required`.
 *
 * @example
 * roleAtLeast('admin', 'member'); // true
 * roleAtLeast('viewer', 'member'); // false
 */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

/**
 * Whether someone holding `holder` may grant `role` (invite someone as it, or manage a member who
 * holds it): admins every role but owner, owners every role; nobody else, and nobody who has left
 * the workspace (`null`).
 *
 * @example
 * mayGrant('admin', 'owner'); // false
 * mayGrant(null, 'viewer'); // false
 */
export function mayGrant(holder: Role | null, role: Role): boolean {
  if (!holder || !roleAtLeast(holder, 'admin')) return false;
  return role !== 'owner' || holder === 'owner';
}

/** The weaker of two roles (an API key never acts above its creator). */
export const weakerRole = (a: Role, b: Role): Role => (RANK[a] <= RANK[b] ? a : b);

/** Parse a stored role; better-auth may store several comma-separated roles — the strongest wins. */
export function parseRole(stored: string): Role {
  const roles = stored
    .split(',')
    .map((r) => r.trim())
    .filter(isRole);
  if (roles.length === 0) throw badRequest(`Unknown role "${stored}"; expected one of ${ROLES.join(', ')}.`);
  return roles.reduce((best, r) => (RANK[r] > RANK[best] ? r : best));
}
