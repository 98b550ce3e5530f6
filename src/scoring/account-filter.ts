import { type Compilable, type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { DAY_MS } from '../accounts/index.js';
import { type DB, selectRows } from '../db/index.js';

/**
 * The one filter over accounts: what `GET /api/v1/accounts` filters by, what a saved segment stores
 * (src/segments), what an export selects and what alert rules narrow to. It reads the current scores
 * (`account_scores as s`), the account (`accounts as a`, with its owner), its billing facets
 * (`account_facets`, refreshed after each score run by src/segments), its linked source records and
 * its signal occurrences.
 *
 * What each field asks of an account is written once, as data (`filterConditions`); a condition has
 * two forms side by side: SQL, for lists, exports and alert rules (`accountFilterConditions`), and a
 * test over rows read once, for evaluating every segment after a score run in one pass
 * (`matchAccounts`). test/segments/matcher.test.ts holds the two forms equal.
 */

const GRADE_LIST = /^(M100|M75|M50|M25|M10)(,(M100|M75|M50|M25|M10))*$/;
export const BILLING_STATES = ['trialing', 'active', 'past_due', 'canceled', 'other', 'none'] as const;
const BILLING_LIST = new RegExp(`^(${BILLING_STATES.join('|')})(,(${BILLING_STATES.join('|')}))*$`);
const WORD_LIST = /^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/;
const OWNER_LIST = /^(none|[^\s,@]+@[^\s,@]+)(,(none|[^\s,@]+@[^\s,@]+))*$/i;
const DAY_OR_TIME = /^\d{4}-\d{2}-\d{2}(T[0-9:.]+Z?)?$/;

const score = () => z.coerce.number().min(0).max(100).optional();
const date = (what: string) =>
  z
    .string()
    .regex(DAY_OR_TIME, `${what}: a date (2026-01-31) or an ISO time (2026-01-31T12:00:00Z)`)
    .optional();

/** Every score the model produces, and its column. */
export const SCORE_COLUMNS = {
  score: 's.score',
  health: 's.health',
  expansion: 's.expansion',
  churnRisk: 's.churn_risk',
  fit: 's.fit',
} as const;

/** The filter's fields; querystring-friendly (numbers coerced, lists comma-separated). */
export const accountFilterShape = {
  grade: z.string().regex(GRADE_LIST, 'grades separated by commas, e.g. M100,M75').optional(),
  scoreField: z.enum(['score', 'health', 'expansion', 'churnRisk', 'fit']).default('score'),
  minScore: score().describe('lower bound of `scoreField` (kept for links made before per-score bounds)'),
  maxScore: score().describe('upper bound of `scoreField`'),
  minHealth: score(),
  maxHealth: score(),
  minExpansion: score(),
  maxExpansion: score(),
  minChurnRisk: score(),
  maxChurnRisk: score(),
  minFit: score(),
  maxFit: score(),
  plan: z
    .string()
    .max(500)
    .regex(/^[^,]+(,[^,]+)*$/, 'plan names separated by commas, e.g. pro,business')
    .optional()
    .describe('plan of the main subscription, case-insensitive'),
  billing: z
    .string()
    .regex(BILLING_LIST, `billing states separated by commas: ${BILLING_STATES.join(', ')}`)
    .optional()
    .describe('billing state of the main subscription ("none": no subscription)'),
  signal: z.string().min(1).max(120).optional().describe('a signal key'),
  signalDays: z.coerce
    .number()
    .int()
    .min(1)
    .max(730)
    .optional()
    .describe(
      'with `signal`: the signal occurred in the last N days; without: it contributes to the current score',
    ),
  owner: z
    .string()
    .trim()
    .max(1000)
    .regex(OWNER_LIST, 'owner e-mails separated by commas, or "none" for accounts nobody owns')
    .optional()
    .describe('the account owner in a CRM, by e-mail (case-insensitive); "none": accounts without an owner'),
  source: z
    .string()
    .max(200)
    .regex(WORD_LIST, 'integration names separated by commas, as GET /api/v1/integrations lists them')
    .optional()
    .describe('an integration with a record linked to the account'),
  createdAfter: date('createdAfter'),
  createdBefore: date('createdBefore'),
  signupAfter: date('signupAfter'),
  signupBefore: date('signupBefore'),
  q: z.string().trim().min(1).max(200).optional().describe('search in name and domain'),
};

/** A filter over accounts as the API validates it (and as a segment stores it). */
export const accountFilter = z.object(accountFilterShape).strict();
export type AccountFilter = z.infer<typeof accountFilter>;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const list = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);

/**
 * An `owner` filter as the e-mails it names (lower-cased: owners are stored so) and whether it asks
 * for accounts without an owner (`none`).
 *
 * @example ownerList('Ann@Seller.io,none') // { emails: ['ann@seller.io'], none: true }
 */
export function ownerList(text: string): { emails: string[]; none: boolean } {
  const items = list(text).map((o) => o.toLowerCase());
  return { emails: items.filter((o) => o !== 'none'), none: items.includes('none') };
}

/** The account columns conditions read: `a.` the account, `s.` its scores, `f.` its billing facets. */
export const FILTER_COLUMNS = [
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
] as const;
export type FilterColumn = (typeof FILTER_COLUMNS)[number];

/**
 * One thing a filter asks of an account. A missing value (no score, no facet, no date) never
 * satisfies a condition, except `oneOf` with `orNull`.
 */
export type FilterCondition =
  /** The column holds one of `values` (compared lower-cased with `lower`), or is null with `orNull`. */
  | { kind: 'oneOf'; column: FilterColumn; values: readonly string[]; lower?: boolean; orNull?: boolean }
  /** The column compares to `value`: a number, or ISO text (which compares as time). */
  | { kind: 'compare'; column: FilterColumn; op: '>=' | '<=' | '<'; value: number | string }
  /** The column's key list (",a,b,") holds `key`. */
  | { kind: 'hasKey'; column: FilterColumn; key: string }
  /** The account is among the ids `ids` selects (one `account_id` column); `key` names the set. */
  | { kind: 'inSet'; key: string; ids: RawBuilder<unknown> }
  /** One of the columns, lower-cased (ASCII letters, as SQLite's `lower`), contains `text` (given lower-cased). */
  | { kind: 'contains'; columns: readonly FilterColumn[]; text: string };

/**
 * What the filter asks, as conditions to AND. `now` anchors signal windows; the account-id sets
 * (signal occurrences in a window, records linked from some integrations) are scoped to `workspaceId`.
 *
 * @example
 * filterConditions(ws, accountFilter.parse({ grade: 'M100,M75', minFit: 80 }), now)
 * // [{ kind: 'oneOf', column: 's.grade', values: ['M100', 'M75'] }, { kind: 'compare', column: 's.fit', op: '>=', value: 80 }]
 */
export function filterConditions(
  workspaceId: string,
  filter: Partial<AccountFilter>,
  now: Date,
): FilterCondition[] {
  const out: FilterCondition[] = [];
  if (filter.grade) out.push({ kind: 'oneOf', column: 's.grade', values: list(filter.grade) });
  const range = (field: keyof typeof SCORE_COLUMNS, min: number | undefined, max: number | undefined) => {
    const column = SCORE_COLUMNS[field];
    if (min !== undefined) out.push({ kind: 'compare', column, op: '>=', value: min });
    if (max !== undefined) out.push({ kind: 'compare', column, op: '<=', value: max });
  };
  range(filter.scoreField ?? 'score', filter.minScore, filter.maxScore);
  range('health', filter.minHealth, filter.maxHealth);
  range('expansion', filter.minExpansion, filter.maxExpansion);
  range('churnRisk', filter.minChurnRisk, filter.maxChurnRisk);
  range('fit', filter.minFit, filter.maxFit);
  if (filter.plan)
    out.push({
      kind: 'oneOf',
      column: 'f.plan',
      values: list(filter.plan).map((p) => p.toLowerCase()),
      lower: true,
    });
  if (filter.billing) out.push({ kind: 'oneOf', column: 'f.billing_status', values: list(filter.billing) });
  if (filter.signal && filter.signalDays !== undefined) {
    const since = new Date(now.getTime() - filter.signalDays * DAY_MS).toISOString();
    out.push({
      kind: 'inSet',
      key: `occurred\u0000${filter.signal}\u0000${since}`,
      ids: sql`select o.account_id from signal_occurrences o
        where o.workspace_id = ${workspaceId} and o.signal_key = ${filter.signal} and o.occurred_at >= ${since}`,
    });
  } else if (filter.signal) {
    out.push({ kind: 'hasKey', column: 's.signal_keys', key: filter.signal });
  }
  if (filter.owner) {
    const { emails, none } = ownerList(filter.owner);
    out.push({ kind: 'oneOf', column: 'a.owner_email', values: emails, orNull: none });
  }
  if (filter.source) {
    const integrations = [...new Set(list(filter.source))].sort();
    out.push({
      kind: 'inSet',
      key: `linked\u0000${integrations.join(',')}`,
      ids: sql`select l.account_id from account_links l
        where l.workspace_id = ${workspaceId} and l.status = 'linked' and l.integration in (${sql.join(integrations)})`,
    });
  }
  const date = (column: FilterColumn, op: '>=' | '<', value: string | undefined) => {
    if (value) out.push({ kind: 'compare', column, op, value });
  };
  date('a.created_at', '>=', filter.createdAfter);
  date('a.created_at', '<', filter.createdBefore);
  date('a.signup_at', '>=', filter.signupAfter);
  date('a.signup_at', '<', filter.signupBefore);
  if (filter.q) out.push({ kind: 'contains', columns: ['a.name', 'a.domain'], text: filter.q.toLowerCase() });
  return out;
}

// ---- SQL form -------------------------------------------------------------------------------

/** A facet column is read through `exists` on `account_facets`, so lists need not join it. */
function onAccount(column: FilterColumn, condition: RawBuilder<unknown>): RawBuilder<boolean> {
  if (!column.startsWith('f.')) return sql<boolean>`${condition}`;
  return sql<boolean>`exists (select 1 from account_facets f
    where f.workspace_id = a.workspace_id and f.account_id = a.id and ${condition})`;
}

/** One condition as SQL over `accounts as a` left-joined to `account_scores as s`. */
export function conditionSql(c: FilterCondition): RawBuilder<boolean> {
  switch (c.kind) {
    case 'oneOf': {
      const value = c.lower ? sql`lower(${sql.ref(c.column)})` : sql.ref(c.column);
      const either: RawBuilder<unknown>[] = [];
      if (c.values.length > 0) either.push(sql`${value} in (${sql.join(c.values)})`);
      if (c.orNull) either.push(sql`${sql.ref(c.column)} is null`);
      if (either.length === 0) return sql<boolean>`1 = 0`;
      return onAccount(c.column, either.length === 1 ? either[0]! : sql`(${sql.join(either, sql` or `)})`);
    }
    case 'compare':
      return onAccount(c.column, sql`${sql.ref(c.column)} ${sql.raw(c.op)} ${c.value}`);
    case 'hasKey':
      return onAccount(c.column, sql`${sql.ref(c.column)} like ${`%,${escapeLike(c.key)},%`} escape '\\'`);
    // One uncorrelated `a.id in (…)` set: correlated per account, SQLite picked the (workspace,
    // status) index and rescanned every link per account.
    case 'inSet':
      return sql<boolean>`a.id in (${c.ids})`;
    case 'contains': {
      const pattern = `%${escapeLike(c.text)}%`;
      return sql<boolean>`(${sql.join(
        c.columns.map((column) => sql`lower(${sql.ref(column)}) like ${pattern} escape '\\'`),
        sql` or `,
      )})`;
    }
  }
}

/**
 * The filter as SQL conditions over `accounts as a` left-joined to `account_scores as s`; AND them
 * into the query (`for (const c of conditions) q = q.where(c)`). Every subquery is scoped to
 * `workspaceId`; `now` anchors signal windows.
 *
 * @example
 * for (const c of accountFilterConditions(ws, accountFilter.parse({ grade: 'M100', signal: 'usage_spike', signalDays: 7 }), now))
 *   q = q.where(c);
 * // … and s.grade in ('M100') and a.id in (select o.account_id from signal_occurrences o where … o.occurred_at >= ?)
 */
export function accountFilterConditions(
  workspaceId: string,
  filter: Partial<AccountFilter>,
  now: Date,
): RawBuilder<boolean>[] {
  return filterConditions(workspaceId, filter, now).map(conditionSql);
}

// ---- In-memory form -------------------------------------------------------------------------

const asciiLower = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Scores are read as numbers (NaN where there is none, which no bound admits). */
const NUMERIC = new Set<FilterColumn>(Object.values(SCORE_COLUMNS));

/**
 * A workspace's accounts with the columns some conditions read, column by column: position `i` is
 * the same account in `ids` and in every column. `ids` ascend (as JavaScript compares strings).
 */
export interface FilterRows {
  ids: readonly string[];
  positionOf: ReadonlyMap<string, number>;
  /** The column's values by position; null (NaN for scores) where the account has none. */
  values(column: FilterColumn): ArrayLike<unknown>;
  /** A text column lower-cased (ASCII letters), computed once for every condition that searches it. */
  lowered(column: FilterColumn): ArrayLike<string | null>;
}

/** The account-id sets conditions need, by key (`readFilterSets`). */
export type FilterSets = ReadonlyMap<string, ReadonlySet<string>>;

/** One condition as a test of the account at a position (`sets` holds every `inSet` condition's ids). */
function conditionTest(c: FilterCondition, rows: FilterRows, sets: FilterSets): (i: number) => boolean {
  switch (c.kind) {
    case 'oneOf': {
      const v = rows.values(c.column) as ArrayLike<string | null>;
      const values = new Set(c.values);
      const orNull = c.orNull === true;
      return c.lower
        ? (i) => (v[i] === null ? orNull : values.has(v[i]!.toLowerCase()))
        : (i) => (v[i] === null ? orNull : values.has(v[i]!));
    }
    case 'compare': {
      // Numbers compare as numbers (NaN, no score, never passes); ISO times compare as text.
      const v = rows.values(c.column) as ArrayLike<number | string | null>;
      const { value } = c;
      if (c.op === '>=') return (i) => v[i] !== null && v[i]! >= value;
      if (c.op === '<=') return (i) => v[i] !== null && v[i]! <= value;
      return (i) => v[i] !== null && v[i]! < value;
    }
    case 'hasKey': {
      const v = rows.values(c.column) as ArrayLike<string | null>;
      const key = `,${c.key},`;
      return (i) => v[i] !== null && v[i]!.includes(key);
    }
    case 'inSet': {
      const ids = sets.get(c.key);
      if (!ids)
        throw new Error(`the account set "${c.key}" was not read: pass every condition to readFilterSets`);
      const mark = new Uint8Array(rows.ids.length);
      for (const id of ids) {
        const i = rows.positionOf.get(id);
        if (i !== undefined) mark[i] = 1;
      }
      return (i) => mark[i] === 1;
    }
    case 'contains': {
      const columns = c.columns.map((column) => rows.lowered(column));
      return (i) => columns.some((v) => v[i] !== null && v[i]!.includes(c.text));
    }
  }
}

/** Cheap tests first, so the costly ones (text search) see only the accounts the others kept. */
const COST: Record<FilterCondition['kind'], number> = {
  inSet: 0,
  oneOf: 1,
  compare: 1,
  hasKey: 2,
  contains: 3,
};

/** What a condition asks, as text: equal conditions of different filters have the same key. */
const conditionKey = (c: FilterCondition) => (c.kind === 'inSet' ? `inSet ${c.key}` : JSON.stringify(c));

/**
 * The positions of the accounts that meet every condition, ascending: each condition narrows what
 * the previous ones kept. Filters evaluated together often share a condition (the same grades, the
 * same plan): with a `memo` shared between the calls, a condition tested over every account is
 * tested once and its positions reused.
 *
 * @example
 * const conditions = [filterConditions(ws, filter, now)];
 * const rows = await readFilterRows(db, ws, conditions);
 * const at = matchAccounts(rows, conditions[0], await readFilterSets(db, conditions));
 * at.map((i) => rows.ids[i]);
 */
export function matchAccounts(
  rows: FilterRows,
  conditions: readonly FilterCondition[],
  sets: FilterSets,
  memo?: Map<string, readonly number[]>,
): readonly number[] {
  const [first, ...rest] = [...conditions].sort((a, b) => COST[a.kind] - COST[b.kind]);
  const n = rows.ids.length;
  let kept: readonly number[];
  const key = first && memo ? conditionKey(first) : '';
  const known = memo?.get(key);
  if (known) kept = known;
  else {
    const test = first ? conditionTest(first, rows, sets) : () => true;
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (test(i)) all.push(i);
    memo?.set(key, all);
    kept = all;
  }
  for (const c of rest) kept = kept.filter(conditionTest(c, rows, sets));
  return kept;
}

/** Where each table of `FILTER_COLUMNS` is read from, by its alias. */
const FILTER_TABLES = {
  a: { table: 'accounts', key: 'id' },
  s: { table: 'account_scores', key: 'account_id' },
  f: { table: 'account_facets', key: 'account_id' },
} as const;

const columnsOf = (c: FilterCondition): readonly FilterColumn[] =>
  c.kind === 'contains' ? c.columns : c.kind === 'inSet' ? [] : [c.column];

/**
 * Every account of the workspace with the columns `conditionLists` read (all of them when omitted):
 * each table in one narrow query of its own, placed by account id. Three reads of one table each
 * cost about half of one three-way join (SQLite looks each joined row up by index).
 */
export async function readFilterRows(
  db: Kysely<DB>,
  workspaceId: string,
  conditionLists?: readonly (readonly FilterCondition[])[],
): Promise<FilterRows> {
  const wanted = new Set<FilterColumn>(
    conditionLists ? conditionLists.flatMap((list) => list.flatMap(columnsOf)) : FILTER_COLUMNS,
  );
  const byTable = (alias: keyof typeof FILTER_TABLES) =>
    [...wanted].filter((c) => c.startsWith(`${alias}.`) && c !== 'a.id').map((c) => c.slice(2));
  const read = (alias: keyof typeof FILTER_TABLES, columns: string[]) => {
    const { table, key } = FILTER_TABLES[alias];
    return selectRows(
      db,
      db
        .selectFrom(table)
        .select([key, ...columns].map((c) => db.dynamic.ref(c)))
        .where('workspace_id', '=', workspaceId),
    );
  };
  const accountColumns = byTable('a');
  const accounts = await read('a', accountColumns);
  // In id order, so callers can merge against other id-ordered lists (the database's order may
  // follow a collation; JavaScript's is the one they compare with).
  let sorted = true;
  for (let i = 1; i < accounts.length && sorted; i++)
    sorted = (accounts[i - 1]![0] as string) < (accounts[i]![0] as string);
  if (!sorted) accounts.sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1));
  const n = accounts.length;
  const ids = new Array<string>(n);
  const positionOf = new Map<string, number>();
  const columns = new Map<FilterColumn, ArrayLike<unknown>>();
  const accountArrays = accountColumns.map((name) => {
    const values = new Array<unknown>(n);
    columns.set(`a.${name}` as FilterColumn, values);
    return values;
  });
  for (let i = 0; i < n; i++) {
    const r = accounts[i]!;
    ids[i] = r[0] as string;
    positionOf.set(ids[i]!, i);
    for (let k = 0; k < accountArrays.length; k++) accountArrays[k]![i] = r[k + 1];
  }
  for (const alias of ['s', 'f'] as const) {
    const names = byTable(alias);
    if (names.length === 0) continue;
    const arrays = names.map((name) => {
      const values = NUMERIC.has(`${alias}.${name}` as FilterColumn)
        ? new Float64Array(n).fill(Number.NaN)
        : new Array<unknown>(n).fill(null);
      columns.set(`${alias}.${name}` as FilterColumn, values);
      return values;
    });
    const numeric = arrays.map((values) => values instanceof Float64Array);
    for (const r of await read(alias, names)) {
      const i = positionOf.get(r[0] as string);
      if (i === undefined) continue; // an account deleted between the reads
      for (let k = 0; k < arrays.length; k++) {
        const value = r[k + 1];
        arrays[k]![i] = numeric[k] ? (value === null ? Number.NaN : Number(value)) : value;
      }
    }
  }
  const values = (column: FilterColumn) => {
    if (column === 'a.id') return ids;
    const found = columns.get(column);
    if (!found) throw new Error(`${column} was not read: pass the conditions that use it to readFilterRows`);
    return found;
  };
  const lowered = new Map<FilterColumn, (string | null)[]>();
  return {
    ids,
    positionOf,
    values,
    lowered(column) {
      let out = lowered.get(column);
      if (!out) {
        out = Array.from(values(column) as ArrayLike<string | null>, (v) =>
          v === null ? null : asciiLower(v),
        );
        lowered.set(column, out);
      }
      return out;
    },
  };
}

/**
 * The distinct account-id sets many filters' conditions need, each as a query of one `account_id`
 * column: to run wherever the caller reads (`readFilterSets` runs them here), then `filterSets`.
 */
export function filterSetQueries(
  db: Kysely<DB>,
  conditionLists: readonly (readonly FilterCondition[])[],
): { key: string; query: Compilable }[] {
  const out = new Map<string, Compilable>();
  for (const conditions of conditionLists)
    for (const c of conditions) {
      if (c.kind !== 'inSet' || out.has(c.key)) continue;
      const query = sql`select distinct account_id from (${c.ids}) ids where account_id is not null`;
      out.set(c.key, { compile: () => query.compile(db) });
    }
  return [...out].map(([key, query]) => ({ key, query }));
}

/** The sets from the rows `filterSetQueries`' queries answered, in their order. */
export function filterSets(queries: readonly { key: string }[], results: readonly unknown[][][]): FilterSets {
  return new Map(queries.map((q, i) => [q.key, new Set(results[i]!.map((r) => r[0] as string))]));
}

/** The account-id sets of many filters' conditions, each distinct set read once. */
export async function readFilterSets(
  db: Kysely<DB>,
  conditionLists: readonly (readonly FilterCondition[])[],
): Promise<FilterSets> {
  const queries = filterSetQueries(db, conditionLists);
  const results: unknown[][][] = [];
  for (const q of queries) results.push(await selectRows(db, q.query));
  return filterSets(queries, results);
}
