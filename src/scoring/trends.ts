import type { Kysely } from 'kysely';
import { chunks, DAY_MS } from '../accounts/index.js';
import type { DB } from '../db/index.js';

/** One day of an account's overall score, for sparklines. */
export interface TrendPoint {
  day: string;
  score: number;
}

/**
 * The daily overall score of each of `accountIds` over the last `days` days (oldest first), from the
 * score snapshots — what the accounts list draws as a sparkline. Snapshots are change points (a row
 * on each day a score changed), so each value is carried forward to the next one and to today.
 * Accounts without snapshots get [].
 *
 * @example
 * const trends = await scoreTrends(db, ws, ['acc_1', 'acc_2'], { days: 30, now: new Date() });
 * trends.get('acc_1'); // [{ day: '2025-01-01', score: 61 }, …]
 */
export async function scoreTrends(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  opts: { days: number; now: Date },
): Promise<Map<string, TrendPoint[]>> {
  const sinceMs = Date.parse(
    new Date(opts.now.getTime() - (opts.days - 1) * DAY_MS).toISOString().slice(0, 10),
  );
  const since = new Date(sinceMs).toISOString().slice(0, 10);
  const today = opts.now.toISOString().slice(0, 10);
  const changes = new Map<string, TrendPoint[]>(accountIds.map((id) => [id, []]));
  for (const chunk of chunks(accountIds)) {
    // The change in force at the window's start, then every change inside it.
    const before = await db
      .selectFrom('score_snapshots as s')
      .select(['s.account_id', 's.day', 's.score'])
      .where('s.workspace_id', '=', workspaceId)
      .where('s.account_id', 'in', chunk)
      .where('s.day', '=', (eb) =>
        eb
          .selectFrom('score_snapshots as p')
          .select((p) => p.fn.max('p.day').as('day'))
          .whereRef('p.workspace_id', '=', 's.workspace_id')
          .whereRef('p.account_id', '=', 's.account_id')
          .where('p.day', '<', since),
      )
      .execute();
    const inside = await db
      .selectFrom('score_snapshots')
      .select(['account_id', 'day', 'score'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .where('day', '>=', since)
      .orderBy('account_id')
      .orderBy('day')
      .execute();
    for (const r of [...before, ...inside])
      changes.get(r.account_id)?.push({ day: r.day, score: Number(r.score) });
  }
  const out = new Map<string, TrendPoint[]>();
  for (const [id, points] of changes) {
    const daily: TrendPoint[] = [];
    let i = 0;
    if (points.length > 0) {
      for (let d = Math.max(sinceMs, Date.parse(points[0]!.day)); ; d += DAY_MS) {
        const day = new Date(d).toISOString().slice(0, 10);
        if (day > today) break;
        while (i + 1 < points.length && points[i + 1]!.day <= day) i++;
        daily.push({ day, score: points[i]!.score });
      }
    }
    out.set(id, daily);
  }
  return out;
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
