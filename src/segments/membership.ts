import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { chunks, DAY_MS } from '../accounts/index.js';
import { badRequest } from '../core/index.js';
import { type DB, insertRows } from '../db/index.js';
import {
  filterConditions,
  type Grade,
  matchAccounts,
  readFilterRows,
  readFilterSets,
} from '../scoring/index.js';
import { decodeCursor, encodeCursor } from '../signals/index.js';
import { refreshAccountFacets } from './facets.js';
import { findSegment, listSegments, type Segment } from './store.js';

/**
 * Segment membership over time. After each score run every segment is evaluated on the current
 * scores; accounts that now match get a stay (`entered_at`), accounts that stopped matching get
 * `left_at`. "New in this segment this week" is then `entered_at >= …` over open stays.
 */

export interface EvaluationResult {
  segmentId: string;
  members: number;
  entered: number;
  left: number;
}

/**
 * Which accounts each segment selects now, in one pass: one read of the accounts' filter columns
 * and of each distinct signal window or source list, then every segment's filter tested in memory
 * (`matchAccounts`, src/scoring/account-filter.ts: the same conditions the accounts list runs in
 * SQL). Each segment's members come as positions in `rows`.
 */
async function matchAll(db: Kysely<DB>, workspaceId: string, segments: readonly Segment[], now: Date) {
  const conditions = segments.map((s) => filterConditions(workspaceId, s.filter, now));
  const rows = await readFilterRows(db, workspaceId, conditions);
  const sets = await readFilterSets(db, conditions);
  const selected = new Map(segments.map((s, i) => [s.id, matchAccounts(rows, conditions[i]!, sets)]));
  return { rows, selected };
}

/**
 * Every segment's open stays as one comma-joined string of account ids per segment: the partial
 * index on open stays (`segment_members_open`) is read in its own order, one row per segment, so
 * no per-stay row or grouping sort is built (a workspace with 50 segments holds far more stays than
 * accounts).
 */
async function openStaysOfAll(db: Kysely<DB>, workspaceId: string): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('segment_members')
    .select(['segment_id', sql<string>`${sql.raw(groupConcat(db))}`.as('account_ids')])
    .where('workspace_id', '=', workspaceId)
    .where('left_at', 'is', null)
    .groupBy('segment_id')
    .execute();
  return new Map(rows.map((r) => [r.segment_id, r.account_ids.split(',')]));
}

/** The dialect's string aggregate over account ids (ids hold no comma). */
const groupConcat = (db: Kysely<DB>) =>
  db.getExecutor().adapter instanceof SqliteAdapter
    ? 'group_concat(account_id)'
    : "string_agg(account_id, ',')";

interface Change {
  segment: Segment;
  entering: string[];
  leaving: string[];
  members: number;
}

/**
 * Who enters and who leaves a segment: `selected` are positions in `ids` (the accounts now), `open`
 * the account ids of its open stays. `mark` is scratch space of `ids.length`, left zeroed.
 */
function diff(
  segment: Segment,
  ids: readonly string[],
  positionOf: ReadonlyMap<string, number>,
  selected: readonly number[],
  open: readonly string[],
  mark: Uint8Array,
): Change {
  for (const i of selected) mark[i] = 1;
  const leaving: string[] = [];
  for (const id of open) {
    const i = positionOf.get(id);
    // Still selected (1 → 2), or gone: no longer selected, or no longer an account at all.
    if (i !== undefined && mark[i] === 1) mark[i] = 2;
    else leaving.push(id);
  }
  const entering: string[] = [];
  for (const i of selected) {
    if (mark[i] === 1) entering.push(ids[i]!);
    mark[i] = 0;
  }
  return { segment, entering, leaving, members: selected.length };
}

/** Changes of `segments` now, against their open stays (reads only). */
async function changesOf(
  db: Kysely<DB>,
  workspaceId: string,
  segments: readonly Segment[],
  now: Date,
  open: ReadonlyMap<string, readonly string[]>,
): Promise<Change[]> {
  const { rows, selected } = await matchAll(db, workspaceId, segments, now);
  const mark = new Uint8Array(rows.ids.length);
  return segments.map((segment) =>
    diff(segment, rows.ids, rows.positionOf, selected.get(segment.id)!, open.get(segment.id) ?? [], mark),
  );
}

/**
 * Write the stays of many segments' changes in one transaction: one commit for a whole evaluation
 * instead of one per segment (each commit of SQLite's write-ahead log costs more than the diff).
 * Segments in id order, accounts in id order: each insert lands next to the last one in the
 * indexes keyed by (segment, account), which halves what SQLite's b-trees spend on them.
 */
async function applyChanges(db: Kysely<DB>, workspaceId: string, changes: Change[], at: string) {
  const ordered = [...changes].sort((a, b) => (a.segment.id < b.segment.id ? -1 : 1));
  await db.transaction().execute(async (tx) => {
    for (const { segment, entering, leaving, members } of ordered) {
      await insertRows(
        tx,
        'segment_members',
        entering.sort().map((account_id) => ({
          workspace_id: workspaceId,
          segment_id: segment.id,
          account_id,
          entered_at: at,
          left_at: null,
        })),
        // Another evaluation running at once may have opened the stay already: the partial
        // unique index on open stays (segment_members_open) keeps it to one.
        { skipConflicts: true },
      );
      for (const chunk of chunks(leaving, 400))
        await tx
          .updateTable('segment_members')
          .set({ left_at: at })
          .where('workspace_id', '=', workspaceId)
          .where('segment_id', '=', segment.id)
          .where('left_at', 'is', null)
          .where('account_id', 'in', chunk)
          .execute();
      const changed = entering.length + leaving.length > 0;
      await tx
        .updateTable('segments')
        .set({ member_count: members, evaluated_at: at, ...(changed ? { changed_at: at } : {}) })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', segment.id)
        .execute();
    }
  });
}

const resultOf = (c: Change): EvaluationResult => ({
  segmentId: c.segment.id,
  members: c.members,
  entered: c.entering.length,
  left: c.leaving.length,
});

/**
 * Evaluate one segment now and record who entered and who left.
 *
 * @example const { entered, left } = await evaluateSegment(db, ws, segment, new Date());
 */
export async function evaluateSegment(
  db: Kysely<DB>,
  workspaceId: string,
  segment: Segment,
  now: Date,
): Promise<EvaluationResult> {
  const open = await db
    .selectFrom('segment_members')
    .select('account_id')
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segment.id)
    .where('left_at', 'is', null)
    .execute();
  const [change] = await changesOf(
    db,
    workspaceId,
    [segment],
    now,
    new Map([[segment.id, open.map((r) => r.account_id)]]),
  );
  await applyChanges(db, workspaceId, [change!], now.toISOString());
  return resultOf(change!);
}

/**
 * Refresh billing facets, then evaluate every segment of the workspace: what runs after each score
 * run (src/jobs). All segments are matched in one pass over the accounts, their diffs taken against
 * one read of the open stays, and written in one transaction. A workspace without segments only
 * refreshes facets.
 *
 * @example await evaluateSegments(db, ws, clock.now());
 */
export async function evaluateSegments(
  db: Kysely<DB>,
  workspaceId: string,
  now: Date,
): Promise<EvaluationResult[]> {
  await refreshAccountFacets(db, workspaceId, now);
  const segments = await listSegments(db, workspaceId);
  if (segments.length === 0) return [];
  // One pass over the accounts for all segments, one read of all open stays: not 2 × N queries.
  const changes = await changesOf(db, workspaceId, segments, now, await openStaysOfAll(db, workspaceId));
  await applyChanges(db, workspaceId, changes, now.toISOString());
  return changes.map(resultOf);
}

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
