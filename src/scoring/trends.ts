import type { Kysely } from 'kysely';
import { chunks, DAY_MS } from '../accounts/index.js';
import type { DB } from '../db/index.js';

/** One day of an account's overall score, for sparklines. */
export interface TrendPoint {
  day: string;
  score: number;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The overall score of each of `accountIds` on every day of the last `days` days (oldest first),
 * for sparklines. Snapshots are change points (a row only on days a score changed), so each day
 * carries the last change on or before it; days before an account's first score are left out.
 *
 * @example
 * const trends = await scoreTrends(db, ws, ['acc_1', 'acc_2'], { days: 30, now: new Date() });
 * trends.get('acc_1'); // [{ day: '2025-01-01', score: 61 }, { day: '2025-01-02', score: 61 }, …]
 */
export async function scoreTrends(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  opts: { days: number; now: Date },
): Promise<Map<string, TrendPoint[]>> {
  const today = Date.parse(dayOf(opts.now.getTime()));
  const since = dayOf(today - (opts.days - 1) * DAY_MS);
  const changes = new Map<string, Map<string, number>>(accountIds.map((id) => [id, new Map()]));
  const before = new Map<string, number>();
  for (const chunk of chunks(accountIds)) {
    const rows = await db
      .selectFrom('score_snapshots')
      .select(['account_id', 'day', 'score'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .where('day', '>=', since)
      .execute();
    for (const r of rows) changes.get(r.account_id)?.set(r.day, Number(r.score));
    for (const r of await scoresHeldBefore(db, workspaceId, chunk, since))
      before.set(r.account_id, Number(r.score));
  }
  const out = new Map<string, TrendPoint[]>();
  for (const id of accountIds) {
    const points: TrendPoint[] = [];
    let current = before.get(id);
    for (let ms = Date.parse(since); ms <= today; ms += DAY_MS) {
      const day = dayOf(ms);
      current = changes.get(id)?.get(day) ?? current;
      if (current !== undefined) points.push({ day, score: current });
    }
    out.set(id, points);
  }
  return out;
}

/**
 * The score and grade each of `accountIds` held just before `day`: its last snapshot (a change
 * point) before that day. Accounts first scored on or after `day` are absent. Pass at most one
 * chunk of ids (`chunks`).
 *
 * @example
 * const starts = await scoresHeldBefore(db, ws, ['acc_1'], '2025-01-01'); // [{ account_id, score, grade }]
 */
export function scoresHeldBefore(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  day: string,
) {
  const latest = db
    .selectFrom('score_snapshots')
    .select(['account_id', (eb) => eb.fn.max('day').as('day')])
    .where('workspace_id', '=', workspaceId)
    .where('account_id', 'in', accountIds)
    .where('day', '<', day)
    .groupBy('account_id')
    .as('latest');
  return db
    .selectFrom('score_snapshots as s')
    .innerJoin(latest, (j) =>
      j.onRef('latest.account_id', '=', 's.account_id').onRef('latest.day', '=', 's.day'),
    )
    .select(['s.account_id', 's.score', 's.grade'])
    .where('s.workspace_id', '=', workspaceId)
    .execute();
}

/** How many accounts a workspace has, how many are scored, and how many hold each grade. */
export interface GradeCounts {
  total: number;
  scored: number;
  byGrade: Record<string, number>;
}

/**
 * Accounts by grade — the pipeline at a glance on the home page.
 *
 * @example
 * const { total, byGrade } = await gradeCounts(db, ws); // byGrade.M100 === 12
 */
export async function gradeCounts(db: Kysely<DB>, workspaceId: string): Promise<GradeCounts> {
  const total = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('account_scores')
    .select((eb) => ['grade', eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('grade')
    .execute();
  const byGrade: Record<string, number> = {};
  for (const r of rows) byGrade[r.grade] = Number(r.n);
  return { total: Number(total.n), scored: rows.reduce((sum, r) => sum + Number(r.n), 0), byGrade };
}

/**
 * Names and domains of some accounts, so lists of occurrences can say which company fired.
 *
 * @example
 * (await accountNames(db, ws, ['acc_1'])).get('acc_1'); // { name: 'Acme', domain: 'acme.com' }
 */
export async function accountNames(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
): Promise<Map<string, { name: string; domain: string }>> {
  const out = new Map<string, { name: string; domain: string }>();
  for (const chunk of chunks([...new Set(accountIds)])) {
    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'name', 'domain'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.id, { name: r.name, domain: r.domain });
  }
  return out;
}
