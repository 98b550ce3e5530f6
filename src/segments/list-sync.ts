import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import { chunks } from '../accounts/index.js';
import { type ConnectionDeps, connectionClient, openConnection } from '../connections/index.js';
import { AppError, badRequest, conflict, notFound } from '../core/index.js';
import { type DB, isUniqueViolation, type SegmentListRunsTable } from '../db/index.js';
import type { DestinationLists, ListEntry, PushDestination } from '../integrations/index.js';
import { findSegment, type Segment } from './store.js';

/**
 * A segment kept in step with a list in a CRM: the list holds the company records of the segment's
 * current members. A plan reads the list and diffs it against the members (matched to company
 * records by domain, through the destination's `readRecords`); a run adds and removes exactly that
 * difference and records each entry, so its rollback can put the list back as it was. The list
 * mirrors the segment: an entry whose company is not a member is removed. Members the CRM has no
 * company for are reported (push the companies first), never created here.
 */

export interface ListMember {
  accountId: string;
  domain: string;
  name: string;
}

export interface ListSyncPlan {
  segment: { id: string; name: string };
  destination: string;
  listName: string;
  /** Null when the list does not exist yet (the run creates it). */
  listId: string | null;
  add: (ListMember & { recordId: string })[];
  remove: { entryId: string; recordId: string }[];
  /** Members the destination has no company record for. */
  missing: ListMember[];
  unchanged: number;
}

export interface ListRun {
  id: string;
  segmentId: string;
  destination: string;
  listId: string | null;
  listName: string;
  kind: 'sync' | 'rollback';
  /** manual: started by someone (API, CLI, web); auto: after a score run changed the segment. */
  trigger: 'manual' | 'auto';
  rollbackOf: string | null;
  status: 'running' | 'succeeded' | 'partial' | 'failed' | 'rolled_back';
  added: number;
  removed: number;
  missing: number;
  failed: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface ListSyncOptions {
  destination: string;
  /** The list's name in the destination; default `Beton: <segment name>`. */
  listName?: string;
  signal?: AbortSignal;
  /** `auto`: started after a score run changed the segment (auto-lists.ts); default `manual`. */
  trigger?: ListRun['trigger'];
}

/** Entries written per call: a failed call is retried item by item to find the item at fault. */
const WRITE_CHUNK = 100;

export const defaultListName = (segment: Pick<Segment, 'name'>) => `Beton: ${segment.name}`;

interface Opened {
  destination: PushDestination;
  lists: DestinationLists;
}

/** Open the workspace's connection to a destination that has lists. */
async function openLists(deps: ConnectionDeps, workspaceId: string, name: string): Promise<Opened> {
  const capability = deps.integrations.get(name)?.destination;
  if (!capability) {
    const known = deps.integrations
      .list()
      .filter((i) => i.destination)
      .map((i) => i.name);
    throw new AppError(
      404,
      'unknown_destination',
      `Beton cannot sync lists to "${name}"; destinations: ${known.join(', ') || 'none registered'}.`,
    );
  }
  const open = await openConnection(deps, workspaceId, name);
  const parsed = open.integration.settings.safeParse(open.settings);
  const destination = capability.open(connectionClient(deps, open), {
    workspaceId,
    connectionId: open.connectionId,
    settings: parsed.success ? parsed.data : open.settings,
    logger: deps.logger,
    clock: deps.clock,
  });
  if (!destination.lists)
    throw badRequest(
      `${open.integration.displayName} has no lists Beton can keep in sync; choose another destination.`,
      undefined,
      'lists_unsupported',
    );
  return { destination, lists: destination.lists };
}

/**
 * Refuse a destination that cannot hold lists or is not connected in the workspace (the checks a
 * sync makes before it calls the destination).
 *
 * @example await assertListDestination(rt, ws, 'attio');
 */
export async function assertListDestination(deps: ConnectionDeps, workspaceId: string, name: string) {
  await openLists(deps, workspaceId, name);
}

/** The segment's current members (open stays) with their domains. */
async function currentMembers(db: Kysely<DB>, workspaceId: string, segmentId: string): Promise<ListMember[]> {
  const rows = await db
    .selectFrom('segment_members as m')
    .innerJoin('accounts as a', (j) =>
      j.onRef('a.id', '=', 'm.account_id').onRef('a.workspace_id', '=', 'm.workspace_id'),
    )
    .select(['a.id', 'a.domain', 'a.name'])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.segment_id', '=', segmentId)
    .where('m.left_at', 'is', null)
    .orderBy('a.domain')
    .execute();
  return rows.map((r) => ({ accountId: r.id, domain: r.domain, name: r.name }));
}

/** The diff between the members and what the list holds (reads only). */
async function diff(
  deps: ConnectionDeps,
  opened: Opened,
  workspaceId: string,
  segment: Segment,
  listName: string,
  listId: string | null,
  signal?: AbortSignal,
): Promise<ListSyncPlan> {
  const members = await currentMembers(deps.db.kysely, workspaceId, segment.id);
  const records = await opened.destination.readRecords(
    members.map((m) => m.domain),
    [],
    signal,
  );
  const entries: ListEntry[] = listId ? await opened.lists.listEntries(listId, signal) : [];
  const onList = new Set(entries.map((e) => e.recordId));
  const wanted = new Set<string>();
  const add: ListSyncPlan['add'] = [];
  const missing: ListMember[] = [];
  let unchanged = 0;
  for (const m of members) {
    const recordId = records.get(m.domain)?.recordId;
    if (!recordId) {
      missing.push(m);
      continue;
    }
    wanted.add(recordId);
    if (onList.has(recordId)) unchanged += 1;
    else add.push({ ...m, recordId });
  }
  const remove = entries
    .filter((e) => !wanted.has(e.recordId))
    .map((e) => ({ entryId: e.entryId, recordId: e.recordId }));
  return {
    segment: { id: segment.id, name: segment.name },
    destination: opened.destination.name,
    listName,
    listId,
    add,
    remove,
    missing,
    unchanged,
  };
}

/**
 * The dry run: what syncing the segment to the list would add and remove now. Writes nothing (a
 * list that does not exist yet is reported with `listId: null`).
 *
 * @example
 * const plan = await planListSync(rt, ws, 'Hot trials', { destination: 'crm' });
 * plan.add.length; plan.remove.length; plan.missing.length;
 */
export async function planListSync(
  deps: ConnectionDeps,
  workspaceId: string,
  segmentRef: string,
  opts: ListSyncOptions,
): Promise<ListSyncPlan> {
  const segment = await findSegment(deps.db.kysely, workspaceId, segmentRef);
  const opened = await openLists(deps, workspaceId, opts.destination);
  const listName = opts.listName ?? defaultListName(segment);
  const list = await opened.lists.findList(listName, opts.signal);
  return diff(deps, opened, workspaceId, segment, listName, list?.listId ?? null, opts.signal);
}

const toRun = (r: {
  id: string;
  segment_id: string;
  destination: string;
  list_id: string | null;
  list_name: string;
  kind: string;
  trigger: string;
  rollback_of: string | null;
  status: string;
  added: number;
  removed: number;
  missing: number;
  failed: number;
  error: string | null;
  started_at: string;
  finished_at: string | null;
}): ListRun => ({
  id: r.id,
  segmentId: r.segment_id,
  destination: r.destination,
  listId: r.list_id,
  listName: r.list_name,
  kind: r.kind as ListRun['kind'],
  trigger: r.trigger === 'auto' ? 'auto' : 'manual',
  rollbackOf: r.rollback_of,
  status: r.status as ListRun['status'],
  added: Number(r.added),
  removed: Number(r.removed),
  missing: Number(r.missing),
  failed: Number(r.failed),
  error: r.error,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

interface ItemOutcome {
  action: 'add' | 'remove';
  recordId: string;
  entryId: string | null;
  accountId: string | null;
  domain: string | null;
  error: string | null;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** Add records in chunks; a chunk that fails is retried one record at a time to find the culprit. */
async function addAll(
  lists: DestinationLists,
  listId: string,
  items: { recordId: string; accountId: string | null; domain: string | null }[],
  signal?: AbortSignal,
): Promise<ItemOutcome[]> {
  const out: ItemOutcome[] = [];
  for (const chunk of chunks(items, WRITE_CHUNK)) {
    try {
      const entries = await lists.addEntries(
        listId,
        chunk.map((i) => i.recordId),
        signal,
      );
      const byRecord = new Map(entries.map((e) => [e.recordId, e.entryId]));
      for (const i of chunk)
        out.push({ action: 'add', ...i, entryId: byRecord.get(i.recordId) ?? null, error: null });
    } catch (error) {
      signal?.throwIfAborted();
      for (const i of chunk) {
        try {
          const [entry] = await lists.addEntries(listId, [i.recordId], signal);
          out.push({ action: 'add', ...i, entryId: entry?.entryId ?? null, error: null });
        } catch (one) {
          out.push({ action: 'add', ...i, entryId: null, error: messageOf(one ?? error) });
        }
      }
    }
  }
  return out;
}

async function removeAll(
  lists: DestinationLists,
  listId: string,
  items: { entryId: string; recordId: string; accountId: string | null; domain: string | null }[],
  signal?: AbortSignal,
): Promise<ItemOutcome[]> {
  const out: ItemOutcome[] = [];
  for (const chunk of chunks(items, WRITE_CHUNK)) {
    try {
      await lists.removeEntries(
        listId,
        chunk.map((i) => i.entryId),
        signal,
      );
      for (const i of chunk) out.push({ action: 'remove', ...i, error: null });
    } catch {
      signal?.throwIfAborted();
      for (const i of chunk) {
        try {
          await lists.removeEntries(listId, [i.entryId], signal);
          out.push({ action: 'remove', ...i, error: null });
        } catch (one) {
          out.push({ action: 'remove', ...i, error: messageOf(one) });
        }
      }
    }
  }
  return out;
}

async function recordItems(db: Kysely<DB>, workspaceId: string, runId: string, items: ItemOutcome[]) {
  for (const chunk of chunks(items, 200)) {
    await db
      .insertInto('segment_list_items')
      .values(
        chunk.map((i) => ({
          workspace_id: workspaceId,
          run_id: runId,
          action: i.action,
          record_id: i.recordId,
          entry_id: i.entryId,
          account_id: i.accountId,
          domain: i.domain,
          status: i.error ? 'failed' : 'done',
          error: i.error,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}

const alreadyRunning = (destination: string, runId: string | null) =>
  conflict(
    `A list sync of this segment to ${destination} is running${runId ? ` (${runId})` : ''}; wait for it to finish.`,
    undefined,
    'list_sync_running',
  );

/** Refuse a second run on the same segment and destination while one is running. */
async function assertIdle(db: Kysely<DB>, workspaceId: string, segmentId: string, destination: string) {
  const running = await db
    .selectFrom('segment_list_runs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segmentId)
    .where('destination', '=', destination)
    .where('status', '=', 'running')
    .executeTakeFirst();
  if (running) throw alreadyRunning(destination, running.id);
}

/**
 * Record a new run as running (its counts at zero) and answer its id. Two starts that both passed
 * `assertIdle` (a sync by hand and one after a score run) meet the partial unique index on running
 * runs: the second is refused the same way.
 */
async function startRun(
  db: Kysely<DB>,
  run: Omit<Insertable<SegmentListRunsTable>, 'id' | 'status' | 'added' | 'removed' | 'missing' | 'failed'>,
): Promise<string> {
  const id = `lrun_${randomUUID()}`;
  try {
    await db
      .insertInto('segment_list_runs')
      .values({ id, ...run, status: 'running', added: 0, removed: 0, missing: 0, failed: 0 })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw alreadyRunning(run.destination, null);
    throw error;
  }
  return id;
}

async function finish(
  db: Kysely<DB>,
  workspaceId: string,
  runId: string,
  outcome: { items: ItemOutcome[]; missing: number; listId: string | null; error?: string },
  now: string,
) {
  const done = outcome.items.filter((i) => !i.error);
  const failed = outcome.items.length - done.length;
  await db
    .updateTable('segment_list_runs')
    .set({
      list_id: outcome.listId,
      added: done.filter((i) => i.action === 'add').length,
      removed: done.filter((i) => i.action === 'remove').length,
      missing: outcome.missing,
      failed,
      error: outcome.error ?? null,
      status: outcome.error ? 'failed' : failed > 0 ? 'partial' : 'succeeded',
      finished_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
}

export async function getListRun(db: Kysely<DB>, workspaceId: string, runId: string): Promise<ListRun> {
  const row = await db
    .selectFrom('segment_list_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!row) throw notFound('List run');
  return toRun(row);
}

/**
 * Sync the segment to the list now: create the list if needed, add the members missing from it,
 * remove the entries of companies that left. Each entry written is recorded for the rollback.
 *
 * @example
 * const run = await runListSync(rt, ws, 'Hot trials', { destination: 'crm' }, userId);
 * run.added; run.removed; run.status; // 'succeeded'
 */
export async function runListSync(
  deps: ConnectionDeps,
  workspaceId: string,
  segmentRef: string,
  opts: ListSyncOptions,
  createdBy: string | null,
): Promise<ListRun> {
  const db = deps.db.kysely;
  const segment = await findSegment(db, workspaceId, segmentRef);
  const opened = await openLists(deps, workspaceId, opts.destination);
  const listName = opts.listName ?? defaultListName(segment);
  await assertIdle(db, workspaceId, segment.id, opts.destination);
  const runId = await startRun(db, {
    workspace_id: workspaceId,
    segment_id: segment.id,
    destination: opts.destination,
    list_id: null,
    list_name: listName,
    kind: 'sync',
    rollback_of: null,
    created_by: createdBy,
    trigger: opts.trigger ?? 'manual',
    started_at: deps.clock.now().toISOString(),
  });
  const items: ItemOutcome[] = [];
  let listId: string | null = null;
  let missing = 0;
  try {
    const list = await opened.lists.findOrCreateList(listName, opts.signal);
    listId = list.listId;
    const plan = await diff(deps, opened, workspaceId, segment, listName, listId, opts.signal);
    missing = plan.missing.length;
    items.push(
      ...(await addAll(
        opened.lists,
        listId,
        plan.add.map((a) => ({ recordId: a.recordId, accountId: a.accountId, domain: a.domain })),
        opts.signal,
      )),
    );
    items.push(
      ...(await removeAll(
        opened.lists,
        listId,
        plan.remove.map((r) => ({ ...r, accountId: null, domain: null })),
        opts.signal,
      )),
    );
    await recordItems(db, workspaceId, runId, items);
    await finish(db, workspaceId, runId, { items, missing, listId }, deps.clock.now().toISOString());
  } catch (error) {
    await recordItems(db, workspaceId, runId, items);
    await finish(
      db,
      workspaceId,
      runId,
      { items, missing, listId, error: messageOf(error) },
      deps.clock.now().toISOString(),
    );
  }
  return getListRun(db, workspaceId, runId);
}

/**
 * Undo a sync run: take off the entries it added and put back the companies it removed. Only the
 * latest sync of a list can be rolled back (an older one would undo what later runs built on).
 *
 * @example const undo = await rollbackListRun(rt, ws, 'lrun_…', userId); // kind 'rollback'
 */
export async function rollbackListRun(
  deps: ConnectionDeps,
  workspaceId: string,
  runId: string,
  createdBy: string | null,
  signal?: AbortSignal,
): Promise<ListRun> {
  const db = deps.db.kysely;
  const run = await getListRun(db, workspaceId, runId);
  if (run.kind !== 'sync' || run.listId === null || !['succeeded', 'partial'].includes(run.status))
    throw conflict(
      `List run ${runId} is a ${run.kind} that ${run.status === 'rolled_back' ? 'was already rolled back' : `ended ${run.status}`}; only a finished sync can be rolled back.`,
      undefined,
      'rollback_unavailable',
    );
  const latest = await db
    .selectFrom('segment_list_runs')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', run.segmentId)
    .where('destination', '=', run.destination)
    .where('kind', '=', 'sync')
    .where('status', 'in', ['succeeded', 'partial'])
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (latest?.id !== runId)
    throw conflict(
      `A later sync (${latest?.id}) changed this list since; roll that one back first.`,
      undefined,
      'rollback_unavailable',
    );
  const opened = await openLists(deps, workspaceId, run.destination);
  await assertIdle(db, workspaceId, run.segmentId, run.destination);
  const done = await db
    .selectFrom('segment_list_items')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('run_id', '=', runId)
    .where('status', '=', 'done')
    .execute();
  const undoId = await startRun(db, {
    workspace_id: workspaceId,
    segment_id: run.segmentId,
    destination: run.destination,
    list_id: run.listId,
    list_name: run.listName,
    kind: 'rollback',
    rollback_of: runId,
    created_by: createdBy,
    started_at: deps.clock.now().toISOString(),
  });
  const listId = run.listId;
  const items: ItemOutcome[] = [];
  try {
    // Entries are found by company now: one the run added may have been re-made since (by the
    // rollback of a later run), under a new entry id.
    const current = new Map<string, string[]>();
    for (const e of await opened.lists.listEntries(listId, signal))
      current.set(e.recordId, [...(current.get(e.recordId) ?? []), e.entryId]);
    // What it removed goes back; what it added comes off (by the entry it made).
    items.push(
      ...(await addAll(
        opened.lists,
        listId,
        done
          .filter((i) => i.action === 'remove')
          .map((i) => ({ recordId: i.record_id, accountId: i.account_id, domain: i.domain })),
        signal,
      )),
    );
    items.push(
      ...(await removeAll(
        opened.lists,
        listId,
        done
          .filter((i) => i.action === 'add')
          .flatMap((i) =>
            (current.get(i.record_id) ?? []).map((entryId) => ({
              entryId,
              recordId: i.record_id,
              accountId: i.account_id,
              domain: i.domain,
            })),
          ),
        signal,
      )),
    );
    await recordItems(db, workspaceId, undoId, items);
    await finish(db, workspaceId, undoId, { items, missing: 0, listId }, deps.clock.now().toISOString());
    if (items.every((i) => !i.error))
      await db
        .updateTable('segment_list_runs')
        .set({ status: 'rolled_back' })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', runId)
        .execute();
  } catch (error) {
    await recordItems(db, workspaceId, undoId, items);
    await finish(
      db,
      workspaceId,
      undoId,
      { items, missing: 0, listId, error: messageOf(error) },
      deps.clock.now().toISOString(),
    );
  }
  return getListRun(db, workspaceId, undoId);
}

/**
 * A segment's list runs, newest first.
 *
 * @example await listRunsOfSegment(db, ws, 'Hot trials')
 */
export async function listRunsOfSegment(
  db: Kysely<DB>,
  workspaceId: string,
  segmentRef: string,
  limit = 20,
): Promise<ListRun[]> {
  const segment = await findSegment(db, workspaceId, segmentRef);
  const rows = await db
    .selectFrom('segment_list_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', '=', segment.id)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 100))
    .execute();
  return rows.map(toRun);
}

/**
 * The workspace's list runs across segments, newest first.
 *
 * @example await listRuns(db, ws, 20)
 */
export async function listRuns(db: Kysely<DB>, workspaceId: string, limit = 20): Promise<ListRun[]> {
  const rows = await db
    .selectFrom('segment_list_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 100))
    .execute();
  return rows.map(toRun);
}
