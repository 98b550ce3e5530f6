import type { Kysely } from 'kysely';
import { badRequest, notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import { linkedStreams } from './claims.js';
import { rebuildHistories } from './histories.js';
import { reresolveRecord } from './resolve.js';
import { touchAccounts } from './store.js';
import { rederiveUsage } from './usage-ingest.js';

/**
 * The records behind an account, and a person's corrections: link a record to an account (a
 * billing customer on a personal email, a person seen at two companies) or unlink it. A correction
 * is stored as an override that every later resolution honours, then applied at once.
 */

export interface RecordKey {
  integration: string;
  stream: string;
  externalId: string;
}

export interface AccountLink extends RecordKey {
  status: string;
  method: string;
  via: string | null;
  conflict: unknown;
  linkedAt: string;
  manual: boolean;
}

const isLinkable = (key: RecordKey) =>
  linkedStreams().some((s) => s.integration === key.integration && s.stream === key.stream);

/**
 * The source records linked to an account (and those a person unlinked from it are not listed).
 *
 * @example await accountLinks(db, ws, 'acc_…')
 */
export async function accountLinks(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
): Promise<AccountLink[]> {
  const rows = await db
    .selectFrom('account_links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId)
    .orderBy('integration')
    .orderBy('stream')
    .orderBy('external_id')
    .execute();
  return rows.map((r) => ({
    integration: r.integration,
    stream: r.stream,
    externalId: r.external_id,
    status: r.status,
    method: r.method,
    via: r.via,
    conflict: fromJson(r.conflict_json, null),
    linkedAt: r.linked_at,
    manual: r.method === 'manual',
  }));
}

/** Records that resolved to no account, with the reason: what a person may want to link by hand. */
export async function unresolvedRecords(db: Kysely<DB>, workspaceId: string, limit = 100) {
  const rows = await db
    .selectFrom('account_links')
    .select(['integration', 'stream', 'external_id', 'status', 'via', 'conflict_json', 'linked_at'])
    .where('workspace_id', '=', workspaceId)
    .where('status', 'in', ['unresolved', 'unlinked'])
    .orderBy('integration')
    .orderBy('stream')
    .orderBy('external_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    integration: r.integration,
    stream: r.stream,
    externalId: r.external_id,
    status: r.status,
    via: r.via,
    reason: fromJson<{ reason?: string }>(r.conflict_json, {}).reason ?? null,
    linkedAt: r.linked_at,
  }));
}

async function applyOverride(
  db: Kysely<DB>,
  workspaceId: string,
  key: RecordKey,
  accountId: string | null,
  actorId: string | null,
  now: string,
): Promise<Set<string>> {
  await db
    .insertInto('account_link_overrides')
    .values({
      workspace_id: workspaceId,
      integration: key.integration,
      stream: key.stream,
      external_id: key.externalId,
      account_id: accountId,
      actor_id: actorId,
      created_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'integration', 'stream', 'external_id'])
        .doUpdateSet({ account_id: accountId, actor_id: actorId, created_at: now }),
    )
    .execute();
  const result = await reresolveRecord(db, workspaceId, key, now);
  const moved = new Set<string>();
  for (const { from, to } of result.rekeyed.values()) moved.add(from).add(to);
  if (moved.size > 0) await rederiveUsage(db, workspaceId, [...moved], now);
  const touched = new Set([...result.touched, ...moved]);
  await rebuildHistories(db, workspaceId, [...touched], now);
  await touchAccounts(db, workspaceId, touched, now, { replay: true });
  return touched;
}

async function requireRecord(db: Kysely<DB>, workspaceId: string, key: RecordKey) {
  if (!isLinkable(key)) {
    throw badRequest(
      `Records of ${key.integration}/${key.stream} are not linked to accounts. Linkable: ${linkedStreams()
        .map((s) => `${s.integration}/${s.stream}`)
        .join(', ')}.`,
    );
  }
  const record = await db
    .selectFrom('records')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', key.integration)
    .where('stream', '=', key.stream)
    .where('external_id', '=', key.externalId)
    .executeTakeFirst();
  if (!record) throw notFound(`Record ${key.integration}/${key.stream}/${key.externalId}`);
}

async function requireAccount(db: Kysely<DB>, workspaceId: string, accountId: string) {
  const account = await db
    .selectFrom('accounts')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw notFound('Account');
}

/**
 * Link a record to an account by hand; its dependents (a customer's invoices) follow.
 *
 * @example await linkRecord(db, ws, 'acc_…', { integration: 'acme', stream: 'customers', externalId: 'cus_1' }, userId, now)
 */
export async function linkRecord(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
  key: RecordKey,
  actorId: string | null,
  now: string,
): Promise<Set<string>> {
  await requireAccount(db, workspaceId, accountId);
  await requireRecord(db, workspaceId, key);
  return applyOverride(db, workspaceId, key, accountId, actorId, now);
}

/**
 * Unlink a record from the account it is linked to; it stays unlinked until linked again.
 *
 * @example await unlinkRecord(db, ws, 'acc_…', { integration: 'acme', stream: 'persons', externalId: 'p1' }, userId, now)
 */
export async function unlinkRecord(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
  key: RecordKey,
  actorId: string | null,
  now: string,
): Promise<Set<string>> {
  await requireAccount(db, workspaceId, accountId);
  const link = await db
    .selectFrom('account_links')
    .select('account_id')
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', key.integration)
    .where('stream', '=', key.stream)
    .where('external_id', '=', key.externalId)
    .executeTakeFirst();
  if (!link || link.account_id !== accountId)
    throw notFound(`A link from this account to ${key.integration}/${key.stream}/${key.externalId}`);
  return applyOverride(db, workspaceId, key, null, actorId, now);
}
