import type { Kysely } from 'kysely';
import { DAY_MS } from '../accounts/index.js';
import { badRequest } from '../core/index.js';
import type { DB } from '../db/index.js';
import type { Grade } from '../scoring/index.js';
import { decodeCursor, encodeCursor } from '../signals/index.js';
import { findSegment, type Segment } from './store.js';

/**
 * Segment membership over time, as evaluation (evaluate.ts) records it: each stay of an account in
 * a segment has `entered_at`, and `left_at` once it stops matching. "New in this segment this week"
 * is `entered_at >= …` over open stays; the trend counts stays day by day.
 */

export interface SegmentMember {
  id: string;
  name: string;
  domain: string;
  grade: Grade | null;
  score: number | null;
  health: number | null;
  expansion: number | null;
  churnRisk: number | null;
  fit: number | null;
  enteredAt: string;
}

/**
 * The segment's current members with when they entered (newest first); `since` keeps only those
 * that entered at or after it. Keyset pages of `limit`.
 *
 * @example await segmentMembers(db, ws, 'Hot trials', { since: '2026-12-01' })
 */
export async function segmentMembers(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
  opts: { since?: string; limit?: number; cursor?: string } = {},
): Promise<{ segment: Segment; items: SegmentMember[]; nextCursor: string | null }> {
  const segment = await findSegment(db, workspaceId, idOrName);
  const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
  let q = db
    .selectFrom('segment_members as m')
    .innerJoin('accounts as a', (j) =>
      j.onRef('a.id', '=', 'm.account_id').onRef('a.workspace_id', '=', 'm.workspace_id'),
    )
    .leftJoin('account_scores as s', (j) =>
      j.onRef('s.account_id', '=', 'm.account_id').onRef('s.workspace_id', '=', 'm.workspace_id'),
    )
    .select([
      'a.id',
      'a.name',
      'a.domain',
      's.grade',
      's.score',
      's.health',
      's.expansion',
      's.churn_risk',
      's.fit',
      'm.entered_at',
    ])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.segment_id', '=', segment.id)
    .where('m.left_at', 'is', null);
  if (opts.since) q = q.where('m.entered_at', '>=', opts.since);
  if (opts.cursor) {
    const [at = '', id = ''] = decodeCursor(opts.cursor);
    q = q.where((eb) =>
      eb.or([eb('m.entered_at', '<', at), eb.and([eb('m.entered_at', '=', at), eb('a.id', '>', id)])]),
    );
  }
  const rows = await q
    .orderBy('m.entered_at', 'desc')
    .orderBy('a.id')
    .limit(limit + 1)
    .execute();
  const num = (v: number | null) => (v === null ? null : Number(v));
  const items = rows.slice(0, limit).map((r) => ({
    id: r.id,
    name: r.name,
    domain: r.domain,
    grade: (r.grade as Grade | null) ?? null,
    score: num(r.score),
    health: num(r.health),
    expansion: num(r.expansion),
    churnRisk: num(r.churn_risk),
    fit: num(r.fit),
    enteredAt: r.entered_at,
  }));
  const last = items[items.length - 1];
  return {
    segment,
    items,
    nextCursor: rows.length > limit && last ? encodeCursor([last.enteredAt, last.id]) : null,
  };
}

export interface SegmentDay {
  day: string;
  /** Members at the end of the day. */
  members: number;
  entered: number;
  left: number;
}

export interface SegmentEvent {
  accountId: string;
  name: string;
  kind: 'entered' | 'left';
  at: string;
}

/**
 * Members per day over the last `days` days (for a trend) and the latest enter / leave events.
 *
 * @example (await segmentHistory(db, ws, seg.id, { days: 30, now })).days.at(-1)?.members
 */
export async function segmentHistory(
  db: Kysely<DB>,
  workspaceId: string,
  idOrName: string,
  opts: { days?: number; now: Date; events?: number },
): Promise<{ segment: Segment; days: SegmentDay[]; events: SegmentEvent[] }> {
  const segment = await findSegment(db, workspaceId, idOrName);
  const days = opts.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > 366)
    throw badRequest('days must be a whole number from 1 to 366.');
  const today = opts.now.toISOString().slice(0, 10);
  const first = new Date(Date.parse(today) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  // Only the timestamps of stays that overlap the window: one narrow row per stay.
  const stays = await db
    .selectFrom('segment_members')
    .select(['entered_at', 'left_at'])
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segment.id)
    .where((eb) => eb.or([eb('left_at', 'is', null), eb('left_at', '>=', first)]))
    .execute();
  const out: SegmentDay[] = [];
  for (let d = Date.parse(first); d <= Date.parse(today); d += DAY_MS) {
    const day = new Date(d).toISOString().slice(0, 10);
    const end = new Date(d + DAY_MS).toISOString();
    let members = 0;
    let entered = 0;
    let left = 0;
    for (const s of stays) {
      if (s.entered_at < end && (s.left_at === null || s.left_at >= end)) members++;
      if (s.entered_at.slice(0, 10) === day) entered++;
      if (s.left_at?.slice(0, 10) === day) left++;
    }
    out.push({ day, members, entered, left });
  }
  const limit = opts.events ?? 50;
  const event = (kind: 'entered' | 'left') =>
    db
      .selectFrom('segment_members as m')
      .innerJoin('accounts as a', (j) =>
        j.onRef('a.id', '=', 'm.account_id').onRef('a.workspace_id', '=', 'm.workspace_id'),
      )
      .select(['a.id', 'a.name', kind === 'entered' ? 'm.entered_at as at' : 'm.left_at as at'])
      .where('m.workspace_id', '=', workspaceId)
      .where('m.segment_id', '=', segment.id)
      .where(kind === 'entered' ? 'm.entered_at' : 'm.left_at', '>=', first)
      .orderBy(kind === 'entered' ? 'm.entered_at' : 'm.left_at', 'desc')
      .limit(limit)
      .execute();
  const events: SegmentEvent[] = [
    ...(await event('entered')).map((r) => ({
      accountId: r.id,
      name: r.name,
      kind: 'entered' as const,
      at: r.at!,
    })),
    ...(await event('left')).map((r) => ({
      accountId: r.id,
      name: r.name,
      kind: 'left' as const,
      at: r.at!,
    })),
  ]
    .sort((a, b) => b.at.localeCompare(a.at) || a.accountId.localeCompare(b.accountId))
    .slice(0, limit);
  return { segment, days: out, events };
}
