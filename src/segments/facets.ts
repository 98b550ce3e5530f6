import { type Kysely, sql } from 'kysely';
import { type AccountHistory, chunks, type SubscriptionFact, subscriptionAt } from '../accounts/index.js';
import type { AccountFacetsTable, DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import { keysetPages } from './pages.js';

/**
 * Billing facets (plan, billing state, ARR) of each account, derived from its stored history so the
 * plan and billing filters are plain column reads. Only accounts whose history hash changed since
 * the last refresh are re-read: a refresh after a score run that touched nothing costs one query.
 */

const PAGE = 500;

/**
 * The account's main subscription as the detectors see it live: active or past due first, then
 * trialing, then the highest ARR, seats and id (the same order factsAt ranks by).
 */
export function mainSubscription(history: AccountHistory, now: Date): SubscriptionFact | null {
  const rank = (s: SubscriptionFact) =>
    s.status === 'active' || s.status === 'past_due' ? 2 : s.status === 'trialing' ? 1 : 0;
  const subs = history.subscriptions
    .map((s) => subscriptionAt(s, now.getTime(), true))
    .filter((s): s is SubscriptionFact => s !== null)
    .sort((a, b) => rank(b) - rank(a) || b.arr - a.arr || b.seats - a.seats || a.id.localeCompare(b.id));
  return subs[0] ?? null;
}

/**
 * Bring `account_facets` up to date with the accounts' histories; returns how many rows changed.
 *
 * @example await refreshAccountFacets(db, ws, new Date()); // after a score run
 */
export async function refreshAccountFacets(db: Kysely<DB>, workspaceId: string, now: Date): Promise<number> {
  const at = now.toISOString();
  let changed = 0;
  const read = (after: string | null) => {
    let q = db
      .selectFrom('accounts as a')
      .leftJoin('account_facets as f', (j) =>
        j.onRef('f.workspace_id', '=', 'a.workspace_id').onRef('f.account_id', '=', 'a.id'),
      )
      .select(['a.id', 'a.history_json', 'a.history_hash'])
      .where('a.workspace_id', '=', workspaceId)
      .where(
        sql<boolean>`(f.account_id is null or coalesce(f.history_hash, '') <> coalesce(a.history_hash, ''))`,
      );
    if (after !== null) q = q.where('a.id', '>', after);
    return q.orderBy('a.id').limit(PAGE).execute();
  };
  for await (const rows of keysetPages(read, (r) => r.id, PAGE)) {
    const facets: AccountFacetsTable[] = rows.map((r) => {
      const history = fromJson<AccountHistory | null>(r.history_json, null);
      const sub = history ? mainSubscription(history, now) : null;
      const arr = history
        ? history.subscriptions.reduce(
            (sum, s) => sum + (subscriptionAt(s, now.getTime(), true)?.arr ?? 0),
            0,
          )
        : 0;
      return {
        workspace_id: workspaceId,
        account_id: r.id,
        plan: sub?.plan ?? null,
        billing_status: sub?.status ?? 'none',
        arr,
        history_hash: r.history_hash,
        updated_at: at,
      };
    });
    await db.transaction().execute(async (tx) => {
      for (const chunk of chunks(facets, 200)) {
        await tx
          .insertInto('account_facets')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['workspace_id', 'account_id']).doUpdateSet((eb) => ({
              plan: eb.ref('excluded.plan'),
              billing_status: eb.ref('excluded.billing_status'),
              arr: eb.ref('excluded.arr'),
              history_hash: eb.ref('excluded.history_hash'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
    changed += facets.length;
  }
  // Accounts removed by a sync take their facets with them. Every account has facets by now, so
  // there are orphans only when facets outnumber accounts: two index counts instead of an
  // anti-join over every facet row after each score run.
  const count = (table: 'accounts' | 'account_facets') =>
    db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
  const [facetCount, accountCount] = [await count('account_facets'), await count('accounts')];
  if (Number(facetCount.n) <= Number(accountCount.n)) return changed;
  await db
    .deleteFrom('account_facets')
    .where('workspace_id', '=', workspaceId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('accounts as a')
            .select('a.id')
            .whereRef('a.workspace_id', '=', 'account_facets.workspace_id')
            .whereRef('a.id', '=', 'account_facets.account_id'),
        ),
      ),
    )
    .execute();
  return changed;
}
