import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { streamsWithFacts } from '../integrations/sdk.js';
import { normalizeEmail, type OwnerFact } from '../model/index.js';
import type { SourceRecord } from './history.js';
import { factsLookup, shippedRegistry } from './registry.js';
import { factContexts, linkedRecords } from './source.js';
import { chunks } from './store.js';

/**
 * An account's owner: the person a CRM assigned the company to, read from the account's records
 * through their streams' `owner` mappers (src/integrations/<name>/mappers.ts). It is resolved when
 * the account's records change (src/accounts/histories.ts) and again for every owned account when a
 * CRM's list of users changes (an owner's new e-mail reaches accounts whose records did not move).
 */

/** An owner and the integration that named them. */
export interface AccountOwner extends OwnerFact {
  source: string;
}

/** What each owner mapper reads from its sibling stream (the CRM's users), by `integration/stream`. */
export const ownerContexts = (db: Kysely<DB>, workspaceId: string, registry?: IntegrationRegistry) =>
  factContexts(db, workspaceId, 'owner', registry);

/**
 * The owner among an account's live records: the lowest mapper priority naming one wins; a tie goes
 * to the first by integration, stream and record id, so the answer never depends on read order.
 *
 * @example ownerOf(records, registry, await ownerContexts(db, ws, registry)) // { email: 'ann@seller.io', name: 'Ann Lee', source: 'acme' }
 */
export function ownerOf(
  records: readonly SourceRecord[],
  registry: IntegrationRegistry,
  contexts: ReadonlyMap<string, unknown>,
): AccountOwner | null {
  const lookup = factsLookup(registry);
  let best: { owner: AccountOwner; priority: number; order: string } | null = null;
  for (const r of records) {
    if (r.deletedAt) continue;
    const mapper = lookup.facts(r.integration, r.stream)?.owner;
    if (!mapper) continue;
    const found = mapper.of(r.payload, contexts.get(`${r.integration}/${r.stream}`) ?? null);
    const email = normalizeEmail(found?.email);
    if (!found || !email) continue;
    const order = `${r.integration}\u0000${r.stream}\u0000${r.externalId}`;
    if (
      best &&
      (mapper.priority > best.priority || (mapper.priority === best.priority && order > best.order))
    )
      continue;
    best = {
      owner: { email, name: found.name?.trim() || null, source: r.integration },
      priority: mapper.priority,
      order,
    };
  }
  return best?.owner ?? null;
}

/** The account columns an owner is stored in. */
export const ownerColumns = (owner: AccountOwner | null) => ({
  owner_email: owner?.email ?? null,
  owner_name: owner?.name ?? null,
  owner_source: owner?.source ?? null,
});

/**
 * Whether a CRM's list of users (an owner mapper's sibling stream) changed after `since`.
 *
 * @example if (await ownerDirectoryChanged(db, ws, watermark, registry)) await refreshOwners(db, ws, now, registry);
 */
export async function ownerDirectoryChanged(
  db: Kysely<DB>,
  workspaceId: string,
  since: string,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<boolean> {
  for (const { integration, facts } of streamsWithFacts(registry, 'owner')) {
    const stream = facts.owner?.context?.stream;
    if (!stream) continue;
    const changed = await db
      .selectFrom('records')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .where('changed_at', '>', since)
      .limit(1)
      .executeTakeFirst();
    if (changed) return true;
  }
  return false;
}

/**
 * Resolve the owner of every account linked to a stream that names owners (and of every account
 * holding one), writing only those that changed. Returns how many changed.
 *
 * @example await refreshOwners(db, ws, new Date().toISOString(), registry)
 */
export async function refreshOwners(
  db: Kysely<DB>,
  workspaceId: string,
  now: string,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<number> {
  const streams = streamsWithFacts(registry, 'owner');
  if (streams.length === 0) return 0;
  const linked = await db
    .selectFrom('account_links')
    .select('account_id')
    .distinct()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'linked')
    .where((eb) =>
      eb.or(streams.map((s) => eb.and([eb('integration', '=', s.integration), eb('stream', '=', s.stream)]))),
    )
    .execute();
  const owned = await db
    .selectFrom('accounts')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('owner_email', 'is not', null)
    .execute();
  const ids = [
    ...new Set([...linked.flatMap((r) => (r.account_id ? [r.account_id] : [])), ...owned.map((r) => r.id)]),
  ];
  const contexts = await ownerContexts(db, workspaceId, registry);
  let changed = 0;
  for (const chunk of chunks(ids, 250)) {
    const records = await linkedRecords(db, workspaceId, chunk);
    const current = await db
      .selectFrom('accounts')
      .select(['id', 'owner_email', 'owner_name', 'owner_source'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
    for (const account of current) {
      const next = ownerColumns(ownerOf(records.get(account.id) ?? [], registry, contexts));
      if (
        next.owner_email === account.owner_email &&
        next.owner_name === account.owner_name &&
        next.owner_source === account.owner_source
      )
        continue;
      await db
        .updateTable('accounts')
        .set({ ...next, updated_at: now })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', account.id)
        .execute();
      changed++;
    }
  }
  return changed;
}

/** One owner of a workspace's accounts. */
export interface OwnerSummary {
  email: string;
  name: string | null;
  /** How many accounts they own. */
  accounts: number;
}

/**
 * Everyone who owns an account in the workspace, with how many (the owner filter's choices), by
 * name then e-mail.
 *
 * @example (await listOwners(db, ws)).map((o) => `${o.name ?? o.email}: ${o.accounts}`)
 */
export async function listOwners(db: Kysely<DB>, workspaceId: string): Promise<OwnerSummary[]> {
  const rows = await db
    .selectFrom('accounts')
    .select(['owner_email', (eb) => eb.fn.max('owner_name').as('name'), (eb) => eb.fn.countAll().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('owner_email', 'is not', null)
    .groupBy('owner_email')
    .execute();
  return rows
    .map((r) => ({ email: r.owner_email!, name: r.name ?? null, accounts: Number(r.n) }))
    .sort((a, b) => (a.name ?? a.email).localeCompare(b.name ?? b.email) || a.email.localeCompare(b.email));
}
