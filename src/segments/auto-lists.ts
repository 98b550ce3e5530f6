import { type Kysely, sql } from 'kysely';
import type { ConnectionDeps } from '../connections/index.js';
import { isAppError, notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import { assertListDestination, defaultListName, type ListRun, runListSync } from './list-sync.js';
import { findSegment } from './store.js';

/**
 * Lists a segment keeps in step by itself: after a score run changes who is in the segment, a
 * list-sync job (src/jobs/segment-lists.ts) runs the same sync as `runListSync` — plan, apply,
 * recorded entries, rollback, history — marked `trigger: 'auto'`.
 *
 * Whether a sync is due is state, not an event: `segments.changed_at` moves when an account enters
 * or leaves, and each kept list remembers the `changed_at` its last automatic sync started from. A
 * job that was never queued (the CLI scored, a worker died) is found by the next check, and a score
 * run that changed nobody's membership starts nothing.
 */

export interface AutoList {
  segmentId: string;
  destination: string;
  /** The list's name in the destination. */
  listName: string;
  /** True while membership changed since the last automatic sync started (or there was none). */
  due: boolean;
  /** The segment's last membership change the last automatic sync covered. */
  syncedChangeAt: string | null;
  enabledBy: string | null;
  enabledAt: string;
}

const autoListRows = (db: Kysely<DB>, workspaceId: string) =>
  db
    .selectFrom('segment_auto_lists as l')
    .innerJoin('segments as s', (j) =>
      j.onRef('s.workspace_id', '=', 'l.workspace_id').onRef('s.id', '=', 'l.segment_id'),
    )
    .select([
      'l.workspace_id',
      'l.segment_id',
      'l.destination',
      'l.list_name',
      'l.synced_change_at',
      'l.enabled_by',
      'l.enabled_at',
      's.name as segment_name',
      's.changed_at',
    ])
    .where('l.workspace_id', '=', workspaceId);

type AutoListRow = Awaited<ReturnType<ReturnType<typeof autoListRows>['execute']>>[number];

/**
 * What a sync records as covered: the segment's last change, or '' while it never changed. Due:
 * never synced automatically, or the last change is another than the one covered (compared for
 * difference, not order: an evaluation that started earlier may commit its change later).
 */
const changeMark = (changedAt: string | null) => changedAt ?? '';
const isDue = (r: Pick<AutoListRow, 'synced_change_at' | 'changed_at'>) =>
  r.synced_change_at === null || changeMark(r.changed_at) !== r.synced_change_at;

const toAutoList = (r: AutoListRow): AutoList => ({
  segmentId: r.segment_id,
  destination: r.destination,
  listName: r.list_name ?? defaultListName({ name: r.segment_name }),
  due: isDue(r),
  syncedChangeAt: r.synced_change_at,
  enabledBy: r.enabled_by,
  enabledAt: r.enabled_at,
});

/**
 * The lists a segment keeps in sync by itself.
 *
 * @example await autoListsOf(db, ws, 'Hot trials') // [{ destination: 'attio', listName: 'Beton: Hot trials', due: false, … }]
 */
export async function autoListsOf(
  db: Kysely<DB>,
  workspaceId: string,
  segmentRef: string,
): Promise<AutoList[]> {
  const segment = await findSegment(db, workspaceId, segmentRef);
  const rows = await autoListRows(db, workspaceId)
    .where('l.segment_id', '=', segment.id)
    .orderBy('l.destination')
    .execute();
  return rows.map(toAutoList);
}

/**
 * Keep the segment's list in `destination` in sync after every score run that changes its
 * membership (and once now: the first check finds it due). Enabling again replaces the list name.
 * The destination must offer lists and be connected (the same checks as a sync by hand).
 *
 * @example await enableAutoList(rt, ws, 'Hot trials', { destination: 'attio' }, userId, now)
 */
export async function enableAutoList(
  deps: ConnectionDeps,
  workspaceId: string,
  segmentRef: string,
  opts: { destination: string; listName?: string },
  actorId: string | null,
): Promise<AutoList> {
  const db = deps.db.kysely;
  const segment = await findSegment(db, workspaceId, segmentRef);
  await assertListDestination(deps, workspaceId, opts.destination);
  const row = {
    workspace_id: workspaceId,
    segment_id: segment.id,
    destination: opts.destination,
    list_name: opts.listName ?? null,
    synced_change_at: null,
    enabled_by: actorId,
    enabled_at: deps.clock.now().toISOString(),
  };
  await db
    .insertInto('segment_auto_lists')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'segment_id', 'destination']).doUpdateSet({
        list_name: row.list_name,
        synced_change_at: null,
        enabled_by: row.enabled_by,
        enabled_at: row.enabled_at,
      }),
    )
    .execute();
  return (await autoListsOf(db, workspaceId, segment.id)).find((l) => l.destination === opts.destination)!;
}

/**
 * Stop keeping the list in sync (the list in the CRM and the run history stay). 404 when the
 * segment does not keep a list there.
 *
 * @example await disableAutoList(db, ws, 'Hot trials', 'attio')
 */
export async function disableAutoList(
  db: Kysely<DB>,
  workspaceId: string,
  segmentRef: string,
  destination: string,
): Promise<AutoList> {
  const segment = await findSegment(db, workspaceId, segmentRef);
  const current = (await autoListsOf(db, workspaceId, segment.id)).find((l) => l.destination === destination);
  if (!current) throw notFound(`An automatic list sync of "${segment.name}" to ${destination}`);
  await db
    .deleteFrom('segment_auto_lists')
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segment.id)
    .where('destination', '=', destination)
    .execute();
  return current;
}

/** A kept list whose segment changed since its last automatic sync. */
export interface DueAutoList {
  workspaceId: string;
  segmentId: string;
  destination: string;
}

/**
 * The kept lists due for a sync: in one workspace, or in every workspace (the worker's check).
 *
 * @example for (const due of await dueAutoLists(db, ws)) await enqueue(due);
 */
export async function dueAutoLists(db: Kysely<DB>, workspaceId: string | null): Promise<DueAutoList[]> {
  let q = db
    .selectFrom('segment_auto_lists as l')
    .innerJoin('segments as s', (j) =>
      j.onRef('s.workspace_id', '=', 'l.workspace_id').onRef('s.id', '=', 'l.segment_id'),
    )
    .select(['l.workspace_id', 'l.segment_id', 'l.destination'])
    .where((eb) =>
      eb.or([
        eb('l.synced_change_at', 'is', null),
        eb(eb.fn.coalesce('s.changed_at', sql.lit('')), '<>', eb.ref('l.synced_change_at')),
      ]),
    );
  if (workspaceId !== null) q = q.where('l.workspace_id', '=', workspaceId);
  const rows = await q.orderBy('l.workspace_id').orderBy('l.segment_id').orderBy('l.destination').execute();
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    segmentId: r.segment_id,
    destination: r.destination,
  }));
}

/** Syncs in one call at most: a segment changing faster than its list can be written waits for the next job. */
const MAX_ROUNDS = 3;

/**
 * Bring a kept list up to date: while the segment changed since the last automatic sync, run a
 * sync (`trigger: 'auto'`) and remember the change it started from. Returns the runs it made (none
 * when nothing was due or the list is no longer kept). A run that another sync of the same list
 * holds (409) is left to the next check. A failed run throws, so the job is retried, unless
 * `lastAttempt`: then it is recorded as covering the change (the history shows the failure) so a
 * broken destination is not called every minute; the next membership change tries again.
 *
 * @example const runs = await syncAutoList(rt, ws, seg.id, 'attio', { signal });
 */
export async function syncAutoList(
  deps: ConnectionDeps,
  workspaceId: string,
  segmentId: string,
  destination: string,
  opts: { signal?: AbortSignal; lastAttempt?: boolean } = {},
): Promise<ListRun[]> {
  const db = deps.db.kysely;
  const runs: ListRun[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const row = await autoListRows(db, workspaceId)
      .where('l.segment_id', '=', segmentId)
      .where('l.destination', '=', destination)
      .executeTakeFirst();
    if (!row || !isDue(row)) return runs;
    // The change this sync covers: its members are read after this moment, so they include it.
    const covers = changeMark(row.changed_at);
    let run: ListRun;
    try {
      run = await runListSync(
        deps,
        workspaceId,
        segmentId,
        {
          destination,
          ...(row.list_name ? { listName: row.list_name } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          trigger: 'auto',
        },
        null,
      );
    } catch (error) {
      if (isAppError(error) && error.status === 409) return runs;
      throw error;
    }
    runs.push(run);
    if (run.status === 'failed' && !opts.lastAttempt)
      throw new Error(`The automatic list sync ${run.id} failed: ${run.error ?? 'unknown error'}`);
    // Only if the list is still kept as it was read (not re-enabled meanwhile, which asks for a fresh sync).
    await db
      .updateTable('segment_auto_lists')
      .set({ synced_change_at: covers })
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', '=', segmentId)
      .where('destination', '=', destination)
      .where('enabled_at', '=', row.enabled_at)
      .where(sql<boolean>`coalesce(synced_change_at, '') = ${row.synced_change_at ?? ''}`)
      .execute();
    if (run.status === 'failed') return runs;
  }
  return runs;
}
