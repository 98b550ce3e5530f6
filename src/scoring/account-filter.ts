import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { DAY_MS } from '../accounts/index.js';

/**
 * The one filter over accounts: what `GET /api/v1/accounts` filters by, what a saved segment stores
 * (src/segments) and what an export selects. It reads the current scores (`account_scores as s`),
 * the account (`accounts as a`, with its owner), its billing facets (`account_facets`, refreshed after each score
 * run by src/segments), its linked source records and its signal occurrences.
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

/**
 * The filter as SQL conditions over `accounts as a` left-joined to `account_scores as s`; AND them
 * into the query (`for (const c of conditions) q = q.where(c)`). Every subquery is scoped to
 * `workspaceId`. Links and occurrences are read as one uncorrelated `a.id in (…)` set: correlated
 * per account, SQLite picked the (workspace, status) index and rescanned every link per account.
 * `now` anchors signal windows.
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
  const out: RawBuilder<boolean>[] = [];
  if (filter.grade) out.push(sql<boolean>`s.grade in (${sql.join(list(filter.grade))})`);
  const range = (column: string, min: number | undefined, max: number | undefined) => {
    if (min !== undefined) out.push(sql<boolean>`${sql.ref(column)} >= ${min}`);
    if (max !== undefined) out.push(sql<boolean>`${sql.ref(column)} <= ${max}`);
  };
  range(SCORE_COLUMNS[filter.scoreField ?? 'score'], filter.minScore, filter.maxScore);
  range(SCORE_COLUMNS.health, filter.minHealth, filter.maxHealth);
  range(SCORE_COLUMNS.expansion, filter.minExpansion, filter.maxExpansion);
  range(SCORE_COLUMNS.churnRisk, filter.minChurnRisk, filter.maxChurnRisk);
  range(SCORE_COLUMNS.fit, filter.minFit, filter.maxFit);
  if (filter.plan || filter.billing) {
    const facet: RawBuilder<unknown>[] = [];
    if (filter.plan)
      facet.push(sql`lower(f.plan) in (${sql.join(list(filter.plan).map((p) => p.toLowerCase()))})`);
    if (filter.billing) facet.push(sql`f.billing_status in (${sql.join(list(filter.billing))})`);
    out.push(sql<boolean>`exists (select 1 from account_facets f
      where f.workspace_id = a.workspace_id and f.account_id = a.id and ${sql.join(facet, sql` and `)})`);
  }
  if (filter.signal && filter.signalDays !== undefined) {
    const since = new Date(now.getTime() - filter.signalDays * DAY_MS).toISOString();
    out.push(sql<boolean>`a.id in (select o.account_id from signal_occurrences o
      where o.workspace_id = ${workspaceId} and o.signal_key = ${filter.signal} and o.occurred_at >= ${since})`);
  } else if (filter.signal) {
    out.push(sql<boolean>`s.signal_keys like ${`%,${escapeLike(filter.signal)},%`} escape '\\'`);
  }
  if (filter.owner) {
    const { emails, none } = ownerList(filter.owner);
    const either: RawBuilder<unknown>[] = [];
    if (emails.length > 0) either.push(sql`a.owner_email in (${sql.join(emails)})`);
    if (none) either.push(sql`a.owner_email is null`);
    out.push(sql<boolean>`(${sql.join(either, sql` or `)})`);
  }
  if (filter.source)
    out.push(sql<boolean>`a.id in (select l.account_id from account_links l
      where l.workspace_id = ${workspaceId} and l.status = 'linked'
        and l.integration in (${sql.join(list(filter.source))}))`);
  if (filter.createdAfter) out.push(sql<boolean>`a.created_at >= ${filter.createdAfter}`);
  if (filter.createdBefore) out.push(sql<boolean>`a.created_at < ${filter.createdBefore}`);
  if (filter.signupAfter) out.push(sql<boolean>`a.signup_at >= ${filter.signupAfter}`);
  if (filter.signupBefore) out.push(sql<boolean>`a.signup_at < ${filter.signupBefore}`);
  if (filter.q) {
    const pattern = `%${escapeLike(filter.q.toLowerCase())}%`;
    out.push(
      sql<boolean>`(lower(a.name) like ${pattern} escape '\\' or lower(a.domain) like ${pattern} escape '\\')`,
    );
  }
  return out;
}
