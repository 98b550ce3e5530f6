import type { Kysely } from 'kysely';
import { chunks } from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { listOccurrences, loadSignals } from '../signals/index.js';
import type { Grade } from './model.js';
import { scoresHeldBefore } from './trends.js';

/** An account whose grade is not the one it held when the window opened. */
export interface GradeMove {
  accountId: string;
  name: string;
  domain: string;
  /** The grade held at the start of `since` (null: not scored yet then). */
  fromGrade: Grade | null;
  toGrade: Grade;
  fromScore: number | null;
  toScore: number;
  /** The first day (YYYY-MM-DD) on or after `since` with the new grade's snapshot. */
  changedOn: string | null;
}

/** An account where a churn-direction signal fired inside the window. */
export interface NewChurnRisk {
  accountId: string;
  name: string;
  domain: string;
  churnRisk: number | null;
  grade: Grade | null;
  /** The churn signals that fired, newest first, one entry per signal. */
  signals: { key: string; title: string; occurredAt: string; explanation: string }[];
}

export interface Movers {
  since: string;
  gradeChanges: GradeMove[];
  newChurnRisks: NewChurnRisk[];
}

const GRADE_RANK: Record<string, number> = { M100: 5, M75: 4, M50: 3, M25: 2, M10: 1 };

/**
 * What moved since a day: accounts whose grade differs from the one they held when `since` began
 * (biggest score change first), and accounts where a churn signal fired on or after `since`
 * (highest churn risk first). Score snapshots are change points, so the grade held at the start of
 * `since` is the last snapshot before that day.
 *
 * @example
 * const { gradeChanges, newChurnRisks } = await topMovers(db, ws, { since: '2025-06-01', limit: 10 });
 */
export async function topMovers(
  db: Kysely<DB>,
  workspaceId: string,
  opts: { since: string; limit?: number },
): Promise<Movers> {
  const since = opts.since.slice(0, 10);
  const limit = Math.min(Math.max(opts.limit ?? 10, 1), 100);
  const current = await db
    .selectFrom('account_scores as s')
    .innerJoin('accounts as a', (j) =>
      j.onRef('a.id', '=', 's.account_id').onRef('a.workspace_id', '=', 's.workspace_id'),
    )
    .select(['s.account_id', 's.score', 's.grade', 's.churn_risk', 'a.name', 'a.domain'])
    .where('s.workspace_id', '=', workspaceId)
    .execute();

  const before = new Map<string, { score: number; grade: string }>();
  const firstChange = new Map<string, string>();
  for (const chunk of chunks(current.map((c) => c.account_id))) {
    const starts = await scoresHeldBefore(db, workspaceId, chunk, since);
    for (const r of starts) before.set(r.account_id, { score: Number(r.score), grade: r.grade });
    const changes = await db
      .selectFrom('score_snapshots')
      .select(['account_id', 'day', 'grade'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .where('day', '>=', since)
      .orderBy('day')
      .execute();
    for (const r of changes) {
      const was = before.get(r.account_id)?.grade ?? null;
      if (!firstChange.has(r.account_id) && r.grade !== was) firstChange.set(r.account_id, r.day);
    }
  }

  const gradeChanges: GradeMove[] = current
    .filter((c) => before.get(c.account_id)?.grade !== c.grade)
    .map((c) => {
      const was = before.get(c.account_id);
      return {
        accountId: c.account_id,
        name: c.name,
        domain: c.domain,
        fromGrade: (was?.grade as Grade | undefined) ?? null,
        toGrade: c.grade as Grade,
        fromScore: was?.score ?? null,
        toScore: Number(c.score),
        changedOn: firstChange.get(c.account_id) ?? null,
      };
    })
    .sort(
      (a, b) =>
        Math.abs(b.toScore - (b.fromScore ?? 0)) - Math.abs(a.toScore - (a.fromScore ?? 0)) ||
        (GRADE_RANK[b.toGrade] ?? 0) - (GRADE_RANK[a.toGrade] ?? 0) ||
        a.accountId.localeCompare(b.accountId),
    )
    .slice(0, limit);

  const signals = await loadSignals(db, workspaceId);
  const churn = signals.filter((s) => s.detector.direction === 'churn');
  const titles = new Map(churn.map((s) => [s.key, s.detector.title]));
  const fired = await listOccurrences(db, workspaceId, {
    signals: churn.map((s) => s.key),
    since: `${since}T00:00:00.000Z`,
    limit: 500,
  });
  const byAccount = new Map<string, NewChurnRisk['signals']>();
  for (const o of fired.items) {
    const list = byAccount.get(o.accountId) ?? [];
    if (!list.some((s) => s.key === o.key)) {
      list.push({
        key: o.key,
        title: titles.get(o.key) ?? o.key,
        occurredAt: o.occurredAt,
        explanation: o.explanation,
      });
    }
    byAccount.set(o.accountId, list);
  }
  const scores = new Map(current.map((c) => [c.account_id, c]));
  const accounts = byAccount.size
    ? await db
        .selectFrom('accounts')
        .select(['id', 'name', 'domain'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', [...byAccount.keys()])
        .execute()
    : [];
  const newChurnRisks: NewChurnRisk[] = accounts
    .map((a) => {
      const s = scores.get(a.id);
      return {
        accountId: a.id,
        name: a.name,
        domain: a.domain,
        churnRisk: s ? Number(s.churn_risk) : null,
        grade: (s?.grade as Grade | undefined) ?? null,
        signals: byAccount.get(a.id) ?? [],
      };
    })
    .sort((a, b) => (b.churnRisk ?? -1) - (a.churnRisk ?? -1) || a.accountId.localeCompare(b.accountId))
    .slice(0, limit);

  return { since, gradeChanges, newChurnRisks };
}
