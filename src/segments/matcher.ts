import type { Kysely } from 'kysely';
import { DAY_MS } from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { type AccountFilter, ownerList, SCORE_COLUMNS } from '../scoring/index.js';

/**
 * Segment filters evaluated in memory over one read of the workspace's accounts: how every segment
 * is matched after a score run. Fifty segments as fifty SQL scans (or one scan computing fifty
 * conditions per row) cost more than the score run they follow; one read of the few columns the
 * filter looks at, plus one read per distinct signal window and source list, costs a fraction.
 *
 * The semantics are those of `accountFilterConditions` (src/scoring/account-filter.ts), which the
 * accounts list runs in SQL: a missing score, grade, facet or date never matches a bound on it;
 * plans and owners compare case-insensitively; dates compare as ISO text; `q` searches name and domain
 * lower-cased (ASCII, as SQLite's `lower`). test/segments/evaluate.test.ts holds them to the SQL.
 */

/** The columns of one account the filter reads. */
export interface MatchRow {
  id: string;
  name: string;
  domain: string;
  created_at: string;
  signup_at: string | null;
  grade: string | null;
  score: number | null;
  health: number | null;
  expansion: number | null;
  churn_risk: number | null;
  fit: number | null;
  signal_keys: string | null;
  plan: string | null;
  billing_status: string | null;
  owner_email: string | null;
}

/** Account-id sets read once per distinct signal window or source list. */
export interface MatchSets {
  occurred(signal: string, since: string): ReadonlySet<string>;
  linked(sources: string): ReadonlySet<string>;
}

const list = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
const COLUMN_OF = Object.fromEntries(
  Object.entries(SCORE_COLUMNS).map(([field, column]) => [field, column.slice(2)]),
) as Record<keyof typeof SCORE_COLUMNS, 'score' | 'health' | 'expansion' | 'churn_risk' | 'fit'>;

/** The signal windows and source lists a filter needs read. */
export function setsNeeded(filter: Partial<AccountFilter>, now: Date) {
  return {
    occurred:
      filter.signal && filter.signalDays !== undefined
        ? { signal: filter.signal, since: new Date(now.getTime() - filter.signalDays * DAY_MS).toISOString() }
        : null,
    linked: filter.source ?? null,
  };
}

/**
 * A filter as a predicate over `MatchRow`s.
 *
 * @example
 * const matches = compileFilter(accountFilter.parse({ grade: 'M100', minFit: 80 }), now, sets);
 * rows.filter(matches);
 */
export function compileFilter(
  filter: Partial<AccountFilter>,
  now: Date,
  sets: MatchSets,
): (row: MatchRow) => boolean {
  const tests: ((r: MatchRow) => boolean)[] = [];
  if (filter.grade) {
    const grades = new Set(list(filter.grade));
    tests.push((r) => r.grade !== null && grades.has(r.grade));
  }
  const range = (column: keyof MatchRow, min: number | undefined, max: number | undefined) => {
    if (min !== undefined)
      tests.push((r) => r[column] !== null && r[column] !== undefined && Number(r[column]) >= min);
    if (max !== undefined)
      tests.push((r) => r[column] !== null && r[column] !== undefined && Number(r[column]) <= max);
  };
  range(COLUMN_OF[filter.scoreField ?? 'score'], filter.minScore, filter.maxScore);
  range('health', filter.minHealth, filter.maxHealth);
  range('expansion', filter.minExpansion, filter.maxExpansion);
  range('churn_risk', filter.minChurnRisk, filter.maxChurnRisk);
  range('fit', filter.minFit, filter.maxFit);
  if (filter.plan) {
    const plans = new Set(list(filter.plan).map((p) => p.toLowerCase()));
    tests.push((r) => r.plan !== null && plans.has(r.plan.toLowerCase()));
  }
  if (filter.billing) {
    const states = new Set(list(filter.billing));
    tests.push((r) => r.billing_status !== null && states.has(r.billing_status));
  }
  if (filter.owner) {
    const { emails, none } = ownerList(filter.owner);
    const owners = new Set(emails);
    tests.push((r) => (r.owner_email === null ? none : owners.has(r.owner_email)));
  }
  const needed = setsNeeded(filter, now);
  if (needed.occurred) {
    const ids = sets.occurred(needed.occurred.signal, needed.occurred.since);
    tests.push((r) => ids.has(r.id));
  } else if (filter.signal) {
    const key = `,${filter.signal},`;
    tests.push((r) => r.signal_keys?.includes(key) === true);
  }
  if (needed.linked) {
    const ids = sets.linked(needed.linked);
    tests.push((r) => ids.has(r.id));
  }
  const { createdAfter, createdBefore, signupAfter, signupBefore } = filter;
  if (createdAfter) tests.push((r) => r.created_at >= createdAfter);
  if (createdBefore) tests.push((r) => r.created_at < createdBefore);
  if (signupAfter) tests.push((r) => r.signup_at !== null && r.signup_at >= signupAfter);
  if (signupBefore) tests.push((r) => r.signup_at !== null && r.signup_at < signupBefore);
  if (filter.q) {
    const q = asciiLower(filter.q);
    tests.push((r) => asciiLower(r.name).includes(q) || asciiLower(r.domain).includes(q));
  }
  return (row) => tests.every((t) => t(row));
}

/** Every account of the workspace with the columns the filter reads, in one query. */
export async function matchRows(db: Kysely<DB>, workspaceId: string): Promise<MatchRow[]> {
  return db
    .selectFrom('accounts as a')
    .leftJoin('account_scores as s', (j) =>
      j.onRef('s.account_id', '=', 'a.id').onRef('s.workspace_id', '=', 'a.workspace_id'),
    )
    .leftJoin('account_facets as f', (j) =>
      j.onRef('f.account_id', '=', 'a.id').onRef('f.workspace_id', '=', 'a.workspace_id'),
    )
    .select([
      'a.id',
      'a.name',
      'a.domain',
      'a.created_at',
      'a.signup_at',
      'a.owner_email',
      's.grade',
      's.score',
      's.health',
      's.expansion',
      's.churn_risk',
      's.fit',
      's.signal_keys',
      'f.plan',
      'f.billing_status',
    ])
    .where('a.workspace_id', '=', workspaceId)
    .execute();
}

/**
 * The account-id sets the filters need, each read once: accounts where a signal occurred since a
 * moment, accounts with a record linked from one of some integrations.
 */
export async function readMatchSets(
  db: Kysely<DB>,
  workspaceId: string,
  filters: readonly Partial<AccountFilter>[],
  now: Date,
): Promise<MatchSets> {
  const occurred = new Map<string, Set<string>>();
  const linked = new Map<string, Set<string>>();
  for (const filter of filters) {
    const needed = setsNeeded(filter, now);
    if (needed.occurred) {
      const key = `${needed.occurred.signal}\u0000${needed.occurred.since}`;
      if (!occurred.has(key)) {
        const rows = await db
          .selectFrom('signal_occurrences')
          .select('account_id')
          .distinct()
          .where('workspace_id', '=', workspaceId)
          .where('signal_key', '=', needed.occurred.signal)
          .where('occurred_at', '>=', needed.occurred.since)
          .execute();
        occurred.set(key, new Set(rows.map((r) => r.account_id)));
      }
    }
    if (needed.linked && !linked.has(needed.linked)) {
      const rows = await db
        .selectFrom('account_links')
        .select('account_id')
        .distinct()
        .where('workspace_id', '=', workspaceId)
        .where('status', '=', 'linked')
        .where('integration', 'in', list(needed.linked))
        .execute();
      linked.set(needed.linked, new Set(rows.flatMap((r) => (r.account_id ? [r.account_id] : []))));
    }
  }
  const none = new Set<string>();
  return {
    occurred: (signal, since) => occurred.get(`${signal}\u0000${since}`) ?? none,
    linked: (sources) => linked.get(sources) ?? none,
  };
}
