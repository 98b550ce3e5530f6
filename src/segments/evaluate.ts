import { type Kysely, SqliteAdapter, sql } from 'kysely';
import { chunks } from '../accounts/index.js';
import {
  BackgroundWriter,
  type DB,
  insertRows,
  selectRows,
  selectRowsOnThread,
  type WriteBatch,
} from '../db/index.js';
import {
  filterConditions,
  filterSetQueries,
  filterSets,
  matchAccounts,
  readFilterRows,
} from '../scoring/index.js';
import { refreshAccountFacets } from './facets.js';
import { listSegments, type Segment } from './store.js';

/**
 * Segment evaluation: after each score run every segment is matched on the current scores; accounts
 * that now match get a stay (`entered_at`), accounts that stopped matching get `left_at`
 * (src/segments/membership.ts reads them back).
 *
 * One pass for all segments: one narrow read of each table the filters look at and of each distinct
 * account-id set, then every segment's conditions in memory (`matchAccounts`, the accounts list's
 * semantics). The open stays are read once, one comma-joined row per segment. A segment whose open
 * stays read back as exactly the accounts it selects now is unchanged; the others are diffed by
 * merging the two id-ordered lists. On a SQLite file the changes are written on a second core (the
 * database's BackgroundWriter) while this thread diffs the next segments.
 */

export interface EvaluationResult {
  segmentId: string;
  members: number;
  entered: number;
  left: number;
}

interface Change {
  segment: Segment;
  entering: string[];
  leaving: string[];
  members: number;
}

/** The dialect's string aggregate over account ids (ids hold no comma). */
const groupConcat = (db: Kysely<DB>) =>
  db.getExecutor().adapter instanceof SqliteAdapter
    ? 'group_concat(account_id)'
    : "string_agg(account_id, ',')";

/**
 * The account ids of the open stays of every segment (or of one), comma-joined, one row per segment
 * (segment id, ids): the partial index on open stays (`segment_members_open`) read in its (segment,
 * account) order, so no per-stay row or grouping sort is built (50 segments hold far more stays
 * than there are accounts).
 */
function openStaysQuery(db: Kysely<DB>, workspaceId: string, segmentId?: string) {
  let q = db
    .selectFrom('segment_members')
    .select(['segment_id', sql<string>`${sql.raw(groupConcat(db))}`.as('account_ids')])
    .where('workspace_id', '=', workspaceId)
    .where('left_at', 'is', null);
  if (segmentId) q = q.where('segment_id', '=', segmentId);
  return q.groupBy('segment_id');
}

/** Whether the comma-joined `open` holds exactly the ids at `selected`, in order (no string is built). */
function sameIds(open: string, ids: readonly string[], selected: readonly number[]): boolean {
  let at = 0;
  for (let k = 0; k < selected.length; k++) {
    const id = ids[selected[k]!]!;
    if (k > 0) {
      if (open.charCodeAt(at) !== 44) return false;
      at += 1;
    }
    if (!open.startsWith(id, at)) return false;
    at += id.length;
  }
  return at === open.length;
}

/**
 * Who enters and who leaves: `selected` are positions in `ids` (ascending, so the ids ascend), `open`
 * the segment's open stays comma-joined. Open stays come in index order, which is id order; they are
 * sorted when a database hands them over otherwise.
 */
function diff(segment: Segment, ids: readonly string[], selected: readonly number[], open: string): Change {
  const members = selected.length;
  if (sameIds(open, ids, selected)) return { segment, entering: [], leaving: [], members };
  const stays = open === '' ? [] : open.split(',');
  for (let k = 1; k < stays.length; k++)
    if (stays[k - 1]! > stays[k]!) {
      stays.sort();
      break;
    }
  const entering: string[] = [];
  const leaving: string[] = [];
  let s = 0;
  for (const i of selected) {
    const id = ids[i]!;
    while (s < stays.length && stays[s]! < id) leaving.push(stays[s++]!);
    if (s < stays.length && stays[s] === id) s += 1;
    else entering.push(id);
  }
  while (s < stays.length) leaving.push(stays[s++]!);
  return { segment, entering, leaving, members };
}

const accountCount = async (db: Kysely<DB>, workspaceId: string) =>
  Number(
    (
      await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Where changes go as they are made; `close` waits until all are written. */
interface ChangeSink {
  add(change: Change): void;
  close(): Promise<void>;
}

/**
 * On a SQLite file: statements handed to a writer thread in batches (each one transaction), so
 * SQLite writes while this thread diffs the next segments. A segment's entries, exits and counts
 * are in one batch: each segment's history is always whole. A segment's entering and leaving
 * accounts go as one JSON array each, walked by SQLite's `json_each`: one statement per segment
 * rather than one call per account (a fifth less time for the same rows).
 */
function threadSink(writer: BackgroundWriter, workspaceId: string, at: string): ChangeSink {
  const BATCH_ROWS = 4_000;
  // Another evaluation running at once may have opened the stay already: the partial unique index
  // on open stays (segment_members_open) keeps it to one. (`where true` lets SQLite parse the
  // upsert clause after a select.)
  const enter = `insert into segment_members (workspace_id, segment_id, account_id, entered_at, left_at)
    select ?, ?, value, ?, null from json_each(?) where true on conflict do nothing`;
  const leave = `update segment_members set left_at = ?
    where workspace_id = ? and segment_id = ? and left_at is null and account_id in (select value from json_each(?))`;
  const count =
    'update segments set member_count = ?, evaluated_at = ?, changed_at = coalesce(?, changed_at) where workspace_id = ? and id = ?';
  let batch: WriteBatch = [];
  let rows = 0;
  const flush = () => {
    writer.write(batch);
    batch = [];
    rows = 0;
  };
  return {
    add({ segment, entering, leaving, members }) {
      const changed = entering.length + leaving.length > 0;
      batch.push(
        {
          sql: enter,
          rows: entering.length > 0 ? [[workspaceId, segment.id, at, JSON.stringify(entering)]] : [],
        },
        {
          sql: leave,
          rows: leaving.length > 0 ? [[at, workspaceId, segment.id, JSON.stringify(leaving)]] : [],
        },
        { sql: count, rows: [[members, at, changed ? at : null, workspaceId, segment.id]] },
      );
      rows += entering.length + leaving.length + 1;
      if (rows >= BATCH_ROWS) flush();
    },
    async close() {
      try {
        if (batch.length > 0) flush();
      } finally {
        await writer.close();
      }
    },
  };
}

/** Elsewhere (Postgres, in-memory SQLite): every change in one transaction on this connection. */
function transactionSink(db: Kysely<DB>, workspaceId: string, at: string): ChangeSink {
  const changes: Change[] = [];
  return {
    add: (change) => changes.push(change),
    close: () =>
      db.transaction().execute(async (tx) => {
        for (const { segment, entering, leaving, members } of changes) {
          await insertRows(
            tx,
            'segment_members',
            entering.map((account_id) => ({
              workspace_id: workspaceId,
              segment_id: segment.id,
              account_id,
              entered_at: at,
              left_at: null,
            })),
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
      }),
  };
}

/**
 * Match `segments` now and write who entered and who left, segment by segment in id order (with
 * their entries in id order, each insert lands next to the last in the (segment, account) indexes).
 */
/** Below this many accounts a second thread costs more to start than it saves. */
const THREADS_FROM_ACCOUNTS = 5_000;

export interface EvaluateOptions {
  /** Read and write on other threads from this many accounts (SQLite files; default 5,000). */
  threadsFromAccounts?: number;
}

async function evaluate(
  db: Kysely<DB>,
  workspaceId: string,
  segments: readonly Segment[],
  now: Date,
  opts: EvaluateOptions & { one?: string },
): Promise<EvaluationResult[]> {
  const { one } = opts;
  const at = now.toISOString();
  const ordered = [...segments].sort((a, b) => (a.id < b.id ? -1 : 1));
  const conditions = ordered.map((s) => filterConditions(workspaceId, s.filter, now));
  // For all segments of a large workspace on a SQLite file: the open stays and the account-id sets
  // are read on another core while this thread reads the accounts' columns; then a writer thread
  // writes while this one diffs (started only then, so its start does not slow the reads).
  const setQueries = filterSetQueries(db, conditions);
  const queries = [openStaysQuery(db, workspaceId, one), ...setQueries.map((q) => q.query)];
  const threads =
    !one && (await accountCount(db, workspaceId)) >= (opts.threadsFromAccounts ?? THREADS_FROM_ACCOUNTS);
  const onThread = threads ? selectRowsOnThread(db, queries) : null;
  onThread?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const rows = await readFilterRows(db, workspaceId, conditions);
  const [openRows, ...setRows] = onThread
    ? await onThread
    : await Promise.all(queries.map((q) => selectRows(db, q)));
  const open = new Map(openRows!.map(([segmentId, ids]) => [segmentId as string, ids as string]));
  const sets = filterSets(setQueries, setRows);

  const writer = threads ? BackgroundWriter.open(db) : null;
  const sink = writer ? threadSink(writer, workspaceId, at) : transactionSink(db, workspaceId, at);
  const results: EvaluationResult[] = [];
  try {
    const memo = new Map<string, readonly number[]>();
    ordered.forEach((segment, i) => {
      const change = diff(
        segment,
        rows.ids,
        matchAccounts(rows, conditions[i]!, sets, memo),
        open.get(segment.id) ?? '',
      );
      sink.add(change);
      results.push({
        segmentId: segment.id,
        members: change.members,
        entered: change.entering.length,
        left: change.leaving.length,
      });
    });
  } finally {
    await sink.close();
  }
  const byId = new Map(results.map((r) => [r.segmentId, r]));
  return segments.map((s) => byId.get(s.id)!);
}

/**
 * Evaluate one segment now and record who entered and who left (after its filter changed).
 *
 * @example const { entered, left } = await evaluateSegment(db, ws, segment, new Date());
 */
export async function evaluateSegment(
  db: Kysely<DB>,
  workspaceId: string,
  segment: Segment,
  now: Date,
): Promise<EvaluationResult> {
  const [result] = await evaluate(db, workspaceId, [segment], now, { one: segment.id });
  return result!;
}

/**
 * Refresh billing facets, then evaluate every segment of the workspace: what runs after each score
 * run (src/jobs). A workspace without segments only refreshes facets.
 *
 * @example await evaluateSegments(db, ws, clock.now());
 */
export async function evaluateSegments(
  db: Kysely<DB>,
  workspaceId: string,
  now: Date,
  opts: EvaluateOptions = {},
): Promise<EvaluationResult[]> {
  await refreshAccountFacets(db, workspaceId, now);
  const segments = await listSegments(db, workspaceId);
  if (segments.length === 0) return [];
  return evaluate(db, workspaceId, segments, now, opts);
}
