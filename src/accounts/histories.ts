import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { fromJson, toJson } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { nameOf } from './claims.js';
import type { AccountHistory } from './facts.js';
import { buildHistory } from './history.js';
import { ownerColumns, ownerContexts, ownerOf } from './owners.js';
import { shippedRegistry } from './registry.js';
import { linkedRecords, loadPrices } from './source.js';
import { chunks } from './store.js';

/**
 * Rebuild the cached history, name, owner, signup date and link count of accounts whose records
 * changed, and remove accounts nothing points at any more.
 */

export interface RebuildResult {
  /** Accounts whose history changed (their past may differ: replay it). */
  historyChanged: Set<string>;
  removed: string[];
}

/**
 * The account's name is the offer with the lowest priority among its records' name mappers and the
 * enrichment's firmographics (the domain when none offers one); `name_source` says whose it is.
 *
 * @example await rebuildHistories(db, ws, ['acc_1'], now)
 */
export async function rebuildHistories(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  now: string,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<RebuildResult> {
  const result: RebuildResult = { historyChanged: new Set(), removed: [] };
  if (accountIds.length === 0) return result;
  const priceMap = await loadPrices(db, workspaceId, registry);
  const enrichment = firmographicsSource(registry);
  const owners = await ownerContexts(db, workspaceId, registry);
  for (const chunk of chunks(accountIds, 250)) {
    const accounts = await db
      .selectFrom('accounts')
      .select(['id', 'domain', 'history_hash'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
    const records = await linkedRecords(db, workspaceId, chunk);
    const firmNames = enrichment
      ? await enrichmentNames(
          db,
          workspaceId,
          accounts.map((a) => a.domain),
          enrichment.of,
        )
      : new Map<string, string>();
    const keyCounts = await groupKeyCounts(db, workspaceId, chunk);
    for (const account of accounts) {
      const linked = records.get(account.id) ?? [];
      if (linked.length === 0 && (keyCounts.get(account.id) ?? 0) === 0) {
        result.removed.push(account.id);
        continue;
      }
      const history = buildHistory(linked, priceMap, registry);
      const json = toJson(history);
      const hash = createHash('sha1').update(json).digest('hex');
      let name = account.domain;
      let source = 'domain';
      let rank = Number.POSITIVE_INFINITY;
      const consider = (candidate: string | null | undefined, from: string, priority: number) => {
        if (candidate && priority < rank) {
          name = candidate;
          source = from;
          rank = priority;
        }
      };
      for (const r of linked) {
        const offer = nameOf(registry, r.integration, r.stream, r.payload);
        if (offer) consider(offer.name, r.integration, offer.priority);
      }
      if (enrichment) consider(firmNames.get(account.domain), enrichment.integration, enrichment.priority);
      await db
        .updateTable('accounts')
        .set({
          name,
          name_source: source,
          ...ownerColumns(ownerOf(linked, registry, owners)),
          signup_at: history.signupAt,
          history_json: json,
          history_hash: hash,
          link_count: linked.length,
          updated_at: now,
          ...(hash !== account.history_hash ? { replay_needed: 1 } : {}),
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', account.id)
        .execute();
      if (hash !== account.history_hash) result.historyChanged.add(account.id);
    }
  }
  if (result.removed.length > 0) await removeAccounts(db, workspaceId, result.removed);
  return result;
}

/**
 * The integration whose firmographics fill the enrichment cache (the first registered one declaring
 * firmographics), or null.
 */
function firmographicsSource(registry: IntegrationRegistry) {
  for (const integration of registry.list()) {
    const firmographics = integration.facts?.firmographics;
    if (firmographics)
      return { integration: integration.name, priority: firmographics.namePriority, of: firmographics.of };
  }
  return null;
}

async function enrichmentNames(
  db: Kysely<DB>,
  workspaceId: string,
  domains: string[],
  firmographicsOf: (organization: unknown) => { name?: string | null } | null,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (domains.length === 0) return out;
  const rows = await db
    .selectFrom('enrichment_cache')
    .select(['domain', 'organization_json'])
    .where('workspace_id', '=', workspaceId)
    .where('domain', 'in', domains)
    .where('found', '=', 1)
    .execute();
  for (const r of rows) {
    const name = firmographicsOf(fromJson<unknown>(r.organization_json, {}))?.name;
    if (name) out.set(r.domain, name);
  }
  return out;
}

async function groupKeyCounts(db: Kysely<DB>, workspaceId: string, accountIds: string[]) {
  const rows = await db
    .selectFrom('account_group_keys')
    .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('account_id', 'in', accountIds)
    .groupBy('account_id')
    .execute();
  return new Map(rows.map((r) => [r.account_id, Number(r.n)]));
}

/** Delete accounts and everything derived from them. */
export async function removeAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: string[],
): Promise<void> {
  const tables = [
    'usage_daily',
    'usage_totals',
    'signal_occurrences',
    'account_scores',
    'score_snapshots',
    'account_backtest',
  ] as const;
  for (const chunk of chunks(accountIds)) {
    for (const table of tables) {
      await db
        .deleteFrom(table)
        .where('workspace_id', '=', workspaceId)
        .where('account_id', 'in', chunk)
        .execute();
    }
    await db
      .deleteFrom('accounts')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
  }
}

/** Parse a cached history (an account without one has an empty history). */
export const parseHistory = (json: string | null): AccountHistory =>
  fromJson<AccountHistory>(json, {
    observedAt: new Date(0).toISOString(),
    signupAt: null,
    persons: [],
    subscriptions: [],
    nps: [],
  });
