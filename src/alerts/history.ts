import type { Kysely } from 'kysely';
import { badRequest, notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import { ownerTargetKey } from './owner-target.js';

/** Alert history: each alert with its delivery state, attempts and the team's verdicts. */

export interface AlertAttempt {
  attempt: number;
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  retryAfterMs: number | null;
  at: string;
}

export interface AlertView {
  id: string;
  ruleId: string;
  ruleName: string | null;
  occurrenceId: number;
  accountId: string;
  accountName: string | null;
  signalKey: string;
  status: AlertStatus;
  reason: string | null;
  errorMessage: string | null;
  target: string | null;
  attempts: number;
  notBefore: string | null;
  createdAt: string;
  sentAt: string | null;
  verdicts: { actor: string; verdict: string }[];
  history: AlertAttempt[];
}

export const ALERT_STATUSES = ['queued', 'sending', 'sent', 'failed', 'suppressed', 'digest'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * A workspace's alerts, newest first.
 *
 * @example await listAlerts(db, ws, { status: 'failed', limit: 50 })
 */
export async function listAlerts(
  db: Kysely<DB>,
  workspaceId: string,
  q: {
    id?: string;
    status?: string;
    ruleId?: string;
    accountId?: string;
    limit?: number;
    before?: string;
  } = {},
): Promise<AlertView[]> {
  let query = db
    .selectFrom('alerts as al')
    .leftJoin('alert_rules as r', (j) =>
      j.onRef('r.workspace_id', '=', 'al.workspace_id').onRef('r.id', '=', 'al.rule_id'),
    )
    .leftJoin('accounts as a', (j) =>
      j.onRef('a.workspace_id', '=', 'al.workspace_id').onRef('a.id', '=', 'al.account_id'),
    )
    .selectAll('al')
    .select(['r.name as rule_name', 'a.name as account_name'])
    .where('al.workspace_id', '=', workspaceId)
    .orderBy('al.created_at', 'desc')
    .orderBy('al.id', 'desc')
    .limit(Math.min(q.limit ?? 100, 500));
  if (q.id) query = query.where('al.id', '=', q.id);
  if (q.status) query = query.where('al.status', '=', q.status);
  if (q.ruleId) query = query.where('al.rule_id', '=', q.ruleId);
  if (q.accountId) query = query.where('al.account_id', '=', q.accountId);
  if (q.before) query = query.where('al.created_at', '<', q.before);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const attempts = await db
    .selectFrom('alert_attempts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('alert_id', 'in', ids)
    .orderBy('id')
    .execute();
  const verdicts = await db
    .selectFrom('alert_feedback')
    .select(['occurrence_id', 'actor_id', 'actor_name', 'verdict'])
    .where('workspace_id', '=', workspaceId)
    .where(
      'occurrence_id',
      'in',
      rows.map((r) => Number(r.occurrence_id)),
    )
    .execute();
  return rows.map((r) => ({
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name ?? null,
    occurrenceId: Number(r.occurrence_id),
    accountId: r.account_id,
    accountName: r.account_name ?? null,
    signalKey: r.signal_key,
    status: r.status as AlertStatus,
    reason: r.reason,
    errorMessage: r.error_message,
    target: r.target_json,
    attempts: Number(r.attempts),
    notBefore: r.not_before,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    verdicts: verdicts
      .filter((v) => Number(v.occurrence_id) === Number(r.occurrence_id))
      .map((v) => ({ actor: v.actor_name ?? v.actor_id, verdict: v.verdict })),
    history: attempts
      .filter((a) => a.alert_id === r.id)
      .map((a) => ({
        attempt: Number(a.attempt),
        status: a.status,
        errorCode: a.error_code,
        errorMessage: a.error_message,
        retryAfterMs: a.retry_after_ms === null ? null : Number(a.retry_after_ms),
        at: a.at,
      })),
  }));
}

/** One alert (404 when not in the workspace). */
export async function getAlert(db: Kysely<DB>, workspaceId: string, id: string): Promise<AlertView> {
  const [found] = await listAlerts(db, workspaceId, { id, limit: 1 });
  if (!found) throw notFound(`Alert ${id}`);
  return found;
}

/**
 * Queue a failed alert again (a person fixed the cause: invited the bot to the channel, assigned the
 * account an owner). An alert to the account's owner goes to whoever owns the account now.
 *
 * @example await retryAlert(db, ws, 'alt_…', new Date())
 */
export async function retryAlert(db: Kysely<DB>, workspaceId: string, id: string, now: Date): Promise<void> {
  const failed = await db
    .selectFrom('alerts as al')
    .innerJoin('alert_rules as r', (j) =>
      j.onRef('r.workspace_id', '=', 'al.workspace_id').onRef('r.id', '=', 'al.rule_id'),
    )
    .leftJoin('accounts as a', (j) =>
      j.onRef('a.workspace_id', '=', 'al.workspace_id').onRef('a.id', '=', 'al.account_id'),
    )
    .select(['al.target_json', 'r.rule_json', 'a.owner_email'])
    .where('al.workspace_id', '=', workspaceId)
    .where('al.id', '=', id)
    .where('al.status', '=', 'failed')
    .executeTakeFirst();
  let target = failed?.target_json ?? null;
  if (
    failed &&
    fromJson<{ destination?: { kind?: string } }>(failed.rule_json, {}).destination?.kind === 'owner'
  ) {
    if (!failed.owner_email)
      throw badRequest(
        'The account still has no owner in a connected CRM: assign one there, sync and score, then retry.',
      );
    target = ownerTargetKey(failed.owner_email);
  }
  const r = await db
    .updateTable('alerts')
    .set({
      status: 'queued',
      target_json: target,
      not_before: null,
      lease_until: null,
      updated_at: now.toISOString(),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw notFound(`Failed alert ${id}`);
}
