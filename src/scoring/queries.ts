import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { accountLinks, chunks, crmRecordLinks, DAY_MS } from '../accounts/index.js';
import { badRequest, notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import {
  builtInDetector,
  type ConfiguredSignal,
  decodeCursor,
  encodeCursor,
  listOccurrences,
  loadSignals,
  signalCounts,
} from '../signals/index.js';
import { type AccountFilter, accountFilterConditions, accountFilterShape } from './account-filter.js';
import { readBacktest } from './backtest.js';
import { describeScore, type Grade, type ScoreExplanation } from './model.js';

/**
 * Reading accounts and their scores: the list the API and the web app page through, one account's
 * full picture, the export the CRM push reads, and signal definitions with counts and backtest.
 */

export interface TopSignal {
  key: string;
  title: string;
  direction: string;
  share: number;
}

/** One account's current scores, as the push and the list show them. */
export interface AccountScoreRow {
  accountId: string;
  name: string;
  domain: string;
  health: number;
  expansion: number;
  churnRisk: number;
  fit: number | null;
  score: number;
  grade: Grade;
  topSignals: TopSignal[];
  scoredAt: string;
}

/**
 * Current scores of scored accounts, ordered by account id, a page at a time (`after` = the last
 * accountId of the previous page). The CRM push reads this.
 *
 * @example
 * let page = await listAccountScores(db, ws, { limit: 500 });
 * while (page.length) { …; page = await listAccountScores(db, ws, { after: page.at(-1)!.accountId, limit: 500 }); }
 */
export async function listAccountScores(
  db: Kysely<DB>,
  workspaceId: string,
  opts: { accountIds?: readonly string[]; after?: string; limit?: number } = {},
): Promise<AccountScoreRow[]> {
  const read = async (ids: readonly string[] | undefined) => {
    let q = db
      .selectFrom('account_scores as s')
      .innerJoin('accounts as a', (j) =>
        j.onRef('a.id', '=', 's.account_id').onRef('a.workspace_id', '=', 's.workspace_id'),
      )
      .select([
        's.account_id',
        'a.name',
        'a.domain',
        's.health',
        's.expansion',
        's.churn_risk',
        's.fit',
        's.score',
        's.grade',
        's.top_signals_json',
        's.scored_at',
      ])
      .where('s.workspace_id', '=', workspaceId);
    if (ids) q = q.where('s.account_id', 'in', ids);
    if (opts.after) q = q.where('s.account_id', '>', opts.after);
    q = q.orderBy('s.account_id');
    if (!ids) q = q.limit(Math.min(Math.max(opts.limit ?? 1000, 1), 10_000));
    const rows = await q.execute();
    return rows.map((r) => ({
      accountId: r.account_id,
      name: r.name,
      domain: r.domain,
      health: Number(r.health),
      expansion: Number(r.expansion),
      churnRisk: Number(r.churn_risk),
      fit: r.fit === null ? null : Number(r.fit),
      score: Number(r.score),
      grade: r.grade as Grade,
      topSignals: fromJson<TopSignal[]>(r.top_signals_json, []),
      scoredAt: r.scored_at,
    }));
  };
  if (!opts.accountIds) return read(undefined);
  const out: AccountScoreRow[] = [];
  for (const chunk of chunks(opts.accountIds)) out.push(...(await read(chunk)));
  return out;
}

/** Every account domain (what enrichment enriches). */
export async function listAccountDomains(db: Kysely<DB>, workspaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('accounts')
    .select('domain')
    .where('workspace_id', '=', workspaceId)
    .orderBy('domain')
    .execute();
  return rows.map((r) => r.domain);
}

const SORTS = {
  score: 's.score',
  health: 's.health',
  expansion: 's.expansion',
  churnRisk: 's.churn_risk',
  fit: 's.fit',
  name: 'a.name',
  scoredAt: 's.scored_at',
} as const;
type SortField = keyof typeof SORTS;
export const accountListQuery = z
  .object({
    ...accountFilterShape,
    sort: z
      .string()
      .regex(
        /^-?(score|health|expansion|churnRisk|fit|name|scoredAt)$/,
        'a field, descending with a leading "-", e.g. -score',
      )
      .default('-score'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export type AccountListQuery = z.infer<typeof accountListQuery>;

/** An account's owner in a CRM. */
export interface OwnerView {
  email: string;
  name: string | null;
}

const ownerView = (email: string | null, name: string | null): OwnerView | null =>
  email ? { email, name } : null;

export interface AccountListItem {
  id: string;
  name: string;
  domain: string;
  linkCount: number;
  owner: OwnerView | null;
  health: number | null;
  expansion: number | null;
  churnRisk: number | null;
  fit: number | null;
  score: number | null;
  grade: Grade | null;
  topSignals: TopSignal[];
  scoredAt: string | null;
}

/**
 * Accounts with their scores, filtered by an AccountFilter (src/scoring/account-filter.ts) and any
 * further filters (a segment's) ANDed to it; sort by any score or name; keyset pagination. `now`
 * anchors signal windows.
 *
 * @example await listAccounts(db, ws, accountListQuery.parse({ grade: 'M100', sort: '-expansion' }))
 */
export async function listAccounts(
  db: Kysely<DB>,
  workspaceId: string,
  query: AccountListQuery,
  opts: { now?: Date; also?: readonly Partial<AccountFilter>[] } = {},
) {
  const descending = query.sort.startsWith('-');
  const field = query.sort.replace(/^-/, '') as SortField;
  const column = SORTS[field];
  // Unscored accounts and unknown fit sort last either way.
  const sortExpr =
    field === 'name' || field === 'scoredAt'
      ? sql.ref(column)
      : sql`coalesce(${sql.ref(column)}, ${descending ? -1 : 101})`;
  let q = db
    .selectFrom('accounts as a')
    .leftJoin('account_scores as s', (j) =>
      j.onRef('s.account_id', '=', 'a.id').onRef('s.workspace_id', '=', 'a.workspace_id'),
    )
    .select([
      'a.id',
      'a.name',
      'a.domain',
      'a.link_count',
      'a.owner_email',
      'a.owner_name',
      's.health',
      's.expansion',
      's.churn_risk',
      's.fit',
      's.score',
      's.grade',
      's.top_signals_json',
      's.scored_at',
      sortExpr.as('sort_value'),
    ])
    .where('a.workspace_id', '=', workspaceId);
  const now = opts.now ?? new Date();
  for (const filter of [query, ...(opts.also ?? [])])
    for (const condition of accountFilterConditions(workspaceId, filter, now)) q = q.where(condition);
  if (query.cursor) {
    const [value = '', id = ''] = decodeCursor(query.cursor);
    const v = field === 'name' || field === 'scoredAt' ? value : Number(value);
    q = q.where((eb) =>
      eb.or([eb(sortExpr, descending ? '<' : '>', v), eb.and([eb(sortExpr, '=', v), eb('a.id', '>', id)])]),
    );
  }
  const rows = await q
    .orderBy(sortExpr, descending ? 'desc' : 'asc')
    .orderBy('a.id')
    .limit(query.limit + 1)
    .execute();
  const items: AccountListItem[] = rows.slice(0, query.limit).map((r) => ({
    id: r.id,
    name: r.name,
    domain: r.domain,
    linkCount: Number(r.link_count),
    owner: ownerView(r.owner_email, r.owner_name),
    health: r.health === null ? null : Number(r.health),
    expansion: r.expansion === null ? null : Number(r.expansion),
    churnRisk: r.churn_risk === null ? null : Number(r.churn_risk),
    fit: r.fit === null ? null : Number(r.fit),
    score: r.score === null ? null : Number(r.score),
    grade: (r.grade as Grade | null) ?? null,
    topSignals: fromJson<TopSignal[]>(r.top_signals_json, []),
    scoredAt: r.scored_at ?? null,
  }));
  const last = rows[query.limit - 1];
  const nextCursor =
    rows.length > query.limit && last ? encodeCursor([String(last.sort_value), last.id]) : null;
  return { items, nextCursor };
}

/** Titles and the latest texts of a signal, to decorate stored explanations when they are read. */
function decorate<T extends { key: string }>(
  drivers: T[],
  signals: Map<string, ConfiguredSignal>,
  texts: Map<string, string>,
) {
  return drivers.map((d) => ({
    ...d,
    title: signals.get(d.key)?.detector.title ?? builtInDetector(d.key)?.title ?? d.key,
    explanation: texts.get(d.key) ?? null,
  }));
}

/**
 * Everything about one account: scores and their explanation, signal timeline, linked source
 * records, its company record in each connected CRM, score history. `registry` is where the CRMs'
 * record links come from (default: the shipped integrations).
 *
 * @example await accountDetail(db, ws, 'acc_…', { historyDays: 90 })
 */
export async function accountDetail(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
  opts: { historyDays?: number; now: Date; registry?: IntegrationRegistry },
) {
  const account = await db
    .selectFrom('accounts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw notFound('Account');
  const score = await db
    .selectFrom('account_scores')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  const signals = new Map((await loadSignals(db, workspaceId)).map((s) => [s.key, s]));
  const timeline = await listOccurrences(db, workspaceId, { accountId, limit: 200 });
  const texts = new Map<string, string>();
  for (const o of timeline.items) if (!texts.has(o.key)) texts.set(o.key, o.explanation);
  const history = await dailyHistory(db, workspaceId, accountId, opts.now, opts.historyDays ?? 90);
  let scores = null;
  if (score) {
    const e = fromJson<ScoreExplanation>(score.explanation_json, null as never);
    scores = {
      health: Number(score.health),
      expansion: Number(score.expansion),
      churnRisk: Number(score.churn_risk),
      fit: score.fit === null ? null : Number(score.fit),
      score: Number(score.score),
      grade: score.grade as Grade,
      scoredAt: score.scored_at,
      topSignals: fromJson<TopSignal[]>(score.top_signals_json, []),
      explanation: {
        ...e,
        summary: describeScore(
          e,
          (key) => signals.get(key)?.detector.title ?? builtInDetector(key)?.title ?? key,
        ),
        expansion: { ...e.expansion, drivers: decorate(e.expansion.drivers, signals, texts) },
        churnRisk: { ...e.churnRisk, drivers: decorate(e.churnRisk.drivers, signals, texts) },
      },
    };
  }
  return {
    account: {
      id: account.id,
      name: account.name,
      nameSource: account.name_source,
      domain: account.domain,
      signupAt: account.signup_at,
      linkCount: Number(account.link_count),
      owner: account.owner_email
        ? { email: account.owner_email, name: account.owner_name, source: account.owner_source }
        : null,
      createdAt: account.created_at,
      updatedAt: account.updated_at,
    },
    scores,
    signals: timeline.items.map((o) => ({
      id: o.id,
      key: o.key,
      title: signals.get(o.key)?.detector.title ?? o.key,
      direction: signals.get(o.key)?.detector.direction ?? null,
      origin: o.origin,
      occurredAt: o.occurredAt,
      firstSeenAt: o.firstSeenAt,
      lastSeenAt: o.lastSeenAt,
      strength: o.strength,
      evidence: o.evidence,
      explanation: o.explanation,
    })),
    links: await accountLinks(db, workspaceId, accountId),
    crmLinks: (await crmRecordLinks(db, workspaceId, [accountId], opts.registry)).get(accountId) ?? [],
    history,
  };
}

export interface HistoryPoint {
  day: string;
  health: number;
  expansion: number;
  churnRisk: number;
  fit: number | null;
  score: number;
  grade: string;
}

/**
 * One point per day over the last `days` days (up to the latest snapshot): snapshots are stored as
 * change points, each value holding until the next.
 *
 * @example await dailyHistory(db, ws, 'acc_…', new Date(), 30)
 */
export async function dailyHistory(
  db: Kysely<DB>,
  workspaceId: string,
  accountId: string,
  now: Date,
  days: number,
): Promise<HistoryPoint[]> {
  const since = new Date(now.getTime() - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  const base = db
    .selectFrom('score_snapshots')
    .select(['day', 'health', 'expansion', 'churn_risk', 'fit', 'score', 'grade'])
    .where('workspace_id', '=', workspaceId)
    .where('account_id', '=', accountId);
  const before = await base.where('day', '<', since).orderBy('day', 'desc').limit(1).execute();
  const rows = [...before, ...(await base.where('day', '>=', since).orderBy('day').execute())];
  if (rows.length === 0) return [];
  const toPoint = (r: (typeof rows)[number], day: string): HistoryPoint => ({
    day,
    health: Number(r.health),
    expansion: Number(r.expansion),
    churnRisk: Number(r.churn_risk),
    fit: r.fit === null ? null : Number(r.fit),
    score: Number(r.score),
    grade: r.grade,
  });
  const out: HistoryPoint[] = [];
  const today = now.toISOString().slice(0, 10);
  let i = 0;
  for (let d = Math.max(Date.parse(since), Date.parse(rows[0]!.day)); ; d += DAY_MS) {
    const day = new Date(d).toISOString().slice(0, 10);
    if (day > today) break;
    while (i + 1 < rows.length && rows[i + 1]!.day <= day) i++;
    out.push(toPoint(rows[i]!, day));
  }
  return out;
}

/**
 * Every signal a workspace runs, with its effective settings, counts and backtest.
 *
 * @example (await signalDefinitions(db, ws, now)).find((s) => s.key === 'usage_drop')?.backtest.churn.lift
 */
export async function signalDefinitions(db: Kysely<DB>, workspaceId: string, now: Date) {
  const signals = await loadSignals(db, workspaceId);
  const counts = await signalCounts(db, workspaceId, new Date(now.getTime() - 7 * DAY_MS).toISOString());
  const backtest = await readBacktest(db, workspaceId);
  return {
    computedAt: backtest.computedAt,
    baseRates: backtest.baseRates,
    signals: signals.map((s) => {
      const rows = backtest.rows.filter((r) => r.signal === s.key);
      const byOutcome = {
        expansion: rows.find((r) => r.outcome === 'expansion') ?? null,
        churn: rows.find((r) => r.outcome === 'churn') ?? null,
      };
      const primary = s.detector.direction === 'churn' ? byOutcome.churn : byOutcome.expansion;
      return {
        key: s.key,
        title: s.detector.title,
        description: s.detector.description,
        direction: s.detector.direction,
        custom: s.custom,
        inputs: [...s.detector.inputs],
        replayable: s.detector.replayable,
        enabled: s.enabled,
        weight: s.weight,
        dedupeDays: s.dedupeDays,
        params: s.params,
        defaults: s.custom ? {} : s.detector.defaults(),
        paramsSchema: z.toJSONSchema(s.detector.params, { io: 'input' }),
        counts: counts.get(s.key) ?? { occurrences: 0, accounts: 0, activeAccounts: 0, lastOccurredAt: null },
        precision: primary?.precision ?? null,
        lift: primary?.lift ?? null,
        medianLeadDays: primary?.medianLeadDays ?? null,
        support: primary?.supportAccounts ?? 0,
        backtest: byOutcome,
      };
    }),
  };
}

/** 400 for an unknown signal key (filters and occurrences). */
export async function requireSignal(
  db: Kysely<DB>,
  workspaceId: string,
  key: string,
): Promise<ConfiguredSignal> {
  const found = (await loadSignals(db, workspaceId)).find((s) => s.key === key);
  if (!found)
    throw badRequest(`There is no signal "${key}" in this workspace. GET /api/v1/signals lists them.`);
  return found;
}
