import { randomBytes, randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/index.js';
import { isoNow } from '../core/clock.js';
import { safeEqual, sha256Hex } from '../core/crypto.js';
import { forbidden, notFound, unauthorized } from '../core/errors.js';
import { type Actor, type AuthContext, auditActorOf } from './context.js';
import { membershipRole } from './members.js';
import { parseRole, type Role, roleAtLeast, weakerRole } from './roles.js';

/**
 * Beton's own API keys: `beton_<8-char prefix>_<40 random chars>`. The prefix is stored in clear
 * to find the row; the whole key only as SHA-256, compared in constant time. A key acts with the
 * role it was created with, never above its creator's current role, and stops working when its
 * creator leaves the workspace.
 */
const KEY_SHAPE = /^beton_([a-z0-9]{8})_([A-Za-z0-9]{32,})$/;
const ALPHANUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  name: string;
  /** `beton_3fa9c1d2`: safe to show, identifies the key. */
  prefix: string;
  role: Role;
  userId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function randomString(length: number, alphabet: string): string {
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

/** A fresh key and its parts. */
export function generateApiKey(): { key: string; prefix: string } {
  const prefix = `beton_${randomString(8, ALPHANUM.slice(0, 26) + ALPHANUM.slice(52))}`;
  return { key: `${prefix}_${randomString(40, ALPHANUM)}`, prefix };
}

export const looksLikeApiKey = (value: string) => KEY_SHAPE.test(value);

type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  role: string;
  user_id: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

const toInfo = (r: ApiKeyRow): ApiKeyInfo => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: parseRole(r.role),
  userId: r.user_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

const INFO_COLUMNS = [
  'id',
  'name',
  'prefix',
  'role',
  'user_id',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

/**
 * Create a key in the actor's workspace. The returned `key` is the only time the secret exists
 * outside its holder: show it once.
 *
 * @example
 * const { key, apiKey } = await createApiKey(rt, actor, { name: 'ci', role: 'member' });
 * // key = 'beton_k3x9a0qz_…', apiKey.prefix = 'beton_k3x9a0qz'
 */
export async function createApiKey(
  ctx: AuthContext,
  actor: Actor,
  input: { name: string; role?: Role },
): Promise<{ key: string; apiKey: ApiKeyInfo }> {
  const role = input.role ?? weakerRole('member', actor.role);
  if (!roleAtLeast(actor.role, role)) {
    throw forbidden(`You are ${actor.role} here, so you cannot create a key with the ${role} role.`);
  }
  const { key, prefix } = generateApiKey();
  const row: ApiKeyRow & { workspace_id: string; hash: string } = {
    id: randomUUID(),
    workspace_id: actor.workspaceId,
    user_id: actor.userId,
    name: input.name.trim() || 'API key',
    prefix,
    hash: sha256Hex(key),
    role,
    created_at: isoNow(ctx.clock),
    last_used_at: null,
    revoked_at: null,
  };
  await ctx.db.kysely.insertInto('api_keys').values(row).execute();
  await recordAudit(
    ctx.db,
    actor.workspaceId,
    auditActorOf(actor),
    'api_key.create',
    { targetType: 'api_key', targetId: row.id, details: { name: row.name, prefix, role } },
    ctx.clock,
  );
  return { key, apiKey: toInfo(row) };
}

/**
 * A workspace's keys, newest first, revoked ones included (never the secret or its hash).
 *
 * @example
 * const keys = await listApiKeys(rt, workspaceId);
 */
export async function listApiKeys(ctx: AuthContext, workspaceId: string): Promise<ApiKeyInfo[]> {
  const rows = await ctx.db.kysely
    .selectFrom('api_keys')
    .select(INFO_COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toInfo);
}

/**
 * Revoke a key by id or prefix; it fails authentication from then on. Revoking twice is a no-op.
 *
 * @example
 * await revokeApiKey(rt, actor, 'beton_k3x9a0qz');
 */
export async function revokeApiKey(ctx: AuthContext, actor: Actor, idOrPrefix: string): Promise<ApiKeyInfo> {
  const row = await ctx.db.kysely
    .selectFrom('api_keys')
    .select(INFO_COLUMNS)
    .where('workspace_id', '=', actor.workspaceId)
    .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
    .executeTakeFirst();
  if (!row) throw notFound('API key');
  if (row.revoked_at) return toInfo(row);
  const revokedAt = isoNow(ctx.clock);
  await ctx.db.kysely
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', row.id)
    .execute();
  await recordAudit(
    ctx.db,
    actor.workspaceId,
    auditActorOf(actor),
    'api_key.revoke',
    { targetType: 'api_key', targetId: row.id, details: { name: row.name, prefix: row.prefix } },
    ctx.clock,
  );
  return toInfo({ ...row, revoked_at: revokedAt });
}

/**
 * The actor a presented key stands for, or a 401 saying why not. Updates `last_used_at` at most
 * once a minute per key.
 *
 * @example
 * const actor = await authenticateApiKey(rt, 'beton_k3x9a0qz_…');
 */
export async function authenticateApiKey(ctx: AuthContext, presented: string): Promise<Actor> {
  const match = KEY_SHAPE.exec(presented);
  const row = match
    ? await ctx.db.kysely
        .selectFrom('api_keys')
        .select(['id', 'workspace_id', 'user_id', 'hash', 'role', 'last_used_at', 'revoked_at'])
        .where('prefix', '=', `beton_${match[1]}`)
        .executeTakeFirst()
    : undefined;
  // Hash and compare even when there is no row, so timing does not reveal which prefixes exist.
  const valid = safeEqual(sha256Hex(presented), row?.hash ?? '0'.repeat(64)) && row !== undefined;
  if (!valid || !row) throw unauthorized('The API key is not valid.');
  let role = parseRole(row.role);
  if (row.user_id) {
    // Checked before `revoked_at` only for the message: removal also revokes the creator's keys.
    const creatorRole = await membershipRole(ctx, row.workspace_id, row.user_id);
    if (!creatorRole) {
      throw unauthorized('This API key’s creator is no longer a member of the workspace; create a new key.');
    }
    role = weakerRole(role, creatorRole);
  }
  if (row.revoked_at) throw unauthorized('This API key was revoked; create a new one.');
  const now = ctx.clock.now();
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= LAST_USED_WRITE_INTERVAL_MS) {
    await ctx.db.kysely
      .updateTable('api_keys')
      .set({ last_used_at: now.toISOString() })
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', row.id)
      .execute();
  }
  return { workspaceId: row.workspace_id, userId: row.user_id, apiKeyId: row.id, role };
}
