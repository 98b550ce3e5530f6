import type { Kysely } from 'kysely';
import { isoNow, systemClock } from '../core/clock.js';
import { timeOrderedId } from '../core/ids.js';
import { isSecretFieldName, scrub } from '../core/redact.js';
import { type DB, type Db, fromJson, toJson } from '../db/index.js';

export interface AuditActor {
  /** `user` (signed-in person), `api_key`, `cli` (local operator), or `system` (jobs). */
  actorType: 'user' | 'api_key' | 'cli' | 'system';
  actorId: string | null;
}

export interface AuditEntry {
  /** Random and time-ordered: newest sorts last; pass the last one seen as `before` to page. */
  id: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

type Queryable = Db | Kysely<DB>;
const kyselyOf = (db: Queryable): Kysely<DB> => ('kysely' in db ? db.kysely : db);

/** Drop secret-named fields entirely and mask key-shaped strings anywhere else. */
function scrubDetails(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrubDetails);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!isSecretFieldName(k)) out[k] = scrubDetails(v);
    return out;
  }
  return scrub(value);
}

/**
 * Append one entry to a workspace's audit log. Accepts a transaction, so the entry commits with
 * the change it describes. Secret fields in `details` are dropped, key-shaped strings masked.
 *
 * @example
 * await recordAudit(db, workspaceId, { actorType: 'user', actorId: userId }, 'api_key.create', {
 *   targetType: 'api_key', targetId: key.id, details: { name: 'ci', role: 'member' },
 * });
 */
export async function recordAudit(
  db: Queryable,
  workspaceId: string,
  actor: AuditActor,
  action: string,
  target: { targetType?: string; targetId?: string | null; details?: Record<string, unknown> } = {},
  clock = systemClock,
): Promise<void> {
  await kyselyOf(db)
    .insertInto('audit_log')
    .values({
      id: timeOrderedId(),
      workspace_id: workspaceId,
      actor_type: actor.actorType,
      actor_id: actor.actorId,
      action,
      target_type: target.targetType ?? null,
      target_id: target.targetId ?? null,
      details_json: target.details ? toJson(scrubDetails(target.details)) : null,
      created_at: isoNow(clock),
    })
    .execute();
}

/**
 * A workspace's audit log, newest first, paged by id (`before` = the last id of the previous page).
 *
 * @example
 * const page = await listAudit(db, workspaceId, { limit: 50 });
 */
export async function listAudit(
  db: Queryable,
  workspaceId: string,
  opts: { limit?: number; before?: string; action?: string } = {},
): Promise<AuditEntry[]> {
  let query = kyselyOf(db)
    .selectFrom('audit_log')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(opts.limit ?? 50, 1), 500));
  if (opts.before !== undefined) query = query.where('id', '<', opts.before);
  if (opts.action) query = query.where('action', '=', opts.action);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: fromJson<Record<string, unknown> | null>(r.details_json, null),
    createdAt: r.created_at,
  }));
}
