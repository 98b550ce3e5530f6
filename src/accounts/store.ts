import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { isFreeMailDomain, normalizeDomain } from './domains.js';

/**
 * Account rows and the group-key map: the small shared writes of resolution and usage ingest.
 */

/**
 * An account's id, derived from (workspace, domain): rebuilding from scratch gives the same ids, so
 * links, scores and CRM records keep pointing at the right account.
 *
 * @example accountIdFor('ws_1', 'acme.io') // 'acc_…' (20 hex characters)
 */
export const accountIdFor = (workspaceId: string, domain: string): string =>
  `acc_${createHash('sha256').update(`${workspaceId}\u0000${domain}`).digest('hex').slice(0, 20)}`;

/** Chunks for IN lists and multi-row inserts (well under SQLite's and Postgres' parameter limits). */
export function* chunks<T>(items: readonly T[], size = 500): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size) as T[];
}

/**
 * The account of each domain, created when missing. Returns domain → account id.
 *
 * @example const ids = await ensureAccounts(db, ws, ['acme.io'], now);
 */
export async function ensureAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  domains: Iterable<string>,
  now: string,
): Promise<Map<string, string>> {
  const wanted = [...new Set(domains)];
  const out = new Map<string, string>();
  for (const chunk of chunks(wanted)) {
    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'domain'])
      .where('workspace_id', '=', workspaceId)
      .where('domain', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.domain, r.id);
    const missing = chunk.filter((d) => !out.has(d));
    if (missing.length === 0) continue;
    await db
      .insertInto('accounts')
      .values(
        missing.map((domain) => ({
          id: accountIdFor(workspaceId, domain),
          workspace_id: workspaceId,
          domain,
          name: domain,
          name_source: 'domain',
          touched_at: now,
          replay_needed: 1,
          link_count: 0,
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'domain']).doNothing())
      .execute();
    for (const domain of missing) out.set(domain, accountIdFor(workspaceId, domain));
  }
  return out;
}

/**
 * Map account keys (group keys) to accounts: an existing mapping wins (it came from the group record or a
 * person's decision); otherwise a key that is a company domain maps to that domain's account.
 * Returns key → account id for the keys that could be mapped.
 */
export async function mapGroupKeys(
  db: Kysely<DB>,
  workspaceId: string,
  keys: Iterable<string>,
  now: string,
): Promise<Map<string, string>> {
  const wanted = [...new Set(keys)];
  const out = new Map<string, string>();
  for (const chunk of chunks(wanted)) {
    const rows = await db
      .selectFrom('account_group_keys')
      .select(['group_key', 'account_id'])
      .where('workspace_id', '=', workspaceId)
      .where('group_key', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.group_key, r.account_id);
    const missing = new Map<string, string>();
    for (const key of chunk) {
      if (out.has(key)) continue;
      const domain = normalizeDomain(key);
      if (domain && !isFreeMailDomain(domain)) missing.set(key, domain);
    }
    if (missing.size === 0) continue;
    const accounts = await ensureAccounts(db, workspaceId, missing.values(), now);
    const values = [...missing].map(([key, domain]) => ({
      workspace_id: workspaceId,
      group_key: key,
      account_id: accounts.get(domain)!,
    }));
    await db
      .insertInto('account_group_keys')
      .values(values)
      .onConflict((oc) => oc.columns(['workspace_id', 'group_key']).doNothing())
      .execute();
    for (const v of values) out.set(v.group_key, v.account_id);
  }
  return out;
}

/** Mark accounts as touched by a sync (and, optionally, as needing their history replayed). */
export async function touchAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: Iterable<string>,
  now: string,
  options: { replay?: boolean } = {},
): Promise<void> {
  for (const chunk of chunks([...new Set(accountIds)])) {
    await db
      .updateTable('accounts')
      .set(options.replay ? { touched_at: now, replay_needed: 1 } : { touched_at: now })
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
  }
}
