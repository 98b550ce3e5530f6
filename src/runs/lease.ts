import type { Kysely, Transaction } from 'kysely';
import type { Logger } from '../core/logger.js';
import type { DB } from '../db/schema/index.js';

/**
 * The run lease, once for every run kind (sync, push, enrichment, score): a run row is held by the
 * process that claimed it for as long as that process beats its `heartbeat_at`; a run whose
 * heartbeat stopped for `RUN_STALE_MS` is taken to have died with its process and may be taken
 * over (claim), handed to a job runner again (orphans) or closed (when a new run wants its slot).
 * A stopping process releases its run so the next one carries on at once.
 */

/**
 * How long a run may go without a heartbeat before it is taken to have died with its process.
 *
 * The four copies this replaces used 60 s (sync), 2 min (push, enrichment) and 5 min (score). Two
 * minutes is the one value: the cost of a threshold too short is a live run taken over (paid
 * enrichment credits or CRM writes made twice, two score runs at once), the cost of one too long
 * is only a slower recovery after a crash. Every run kind now beats on a timer every
 * `RUN_HEARTBEAT_MS` (not only between pages or stages, as score runs used to), so a run survives
 * seven missed beats — a long synchronous SQLite statement or a GC pause — before it is taken over.
 */
export const RUN_STALE_MS = 2 * 60_000;

/** How often a process beats the heartbeat of each run it holds. */
export const RUN_HEARTBEAT_MS = 15_000;

/**
 * How long an open run that no process has taken yet (push and enrichment runs wait for a worker
 * with a null heartbeat) holds its slot before a new run may replace it: not a staleness threshold
 * (nothing was beating), the time a worker has to pick the job up.
 */
export const QUEUED_RUN_MS = 10 * 60_000;

/** The run tables with a lease. */
export type LeasedTable = 'sync_runs' | 'push_runs' | 'enrichment_runs' | 'score_runs';

/**
 * How one run table marks a run that waits for a process:
 * - `status`: `status = 'queued'` (sync runs; their heartbeat is set from creation);
 * - `null-heartbeat`: `status = 'running'` with `heartbeat_at` null (push and enrichment runs);
 * - `none`: the run is executed by whoever opened or was handed it, there is no queued state (score).
 */
export type QueuedMarker = 'status' | 'null-heartbeat' | 'none';

/** A run table and its queued marker: the parameter of every lease operation. */
export interface RunLease {
  readonly table: LeasedTable;
  readonly queued: QueuedMarker;
}

/** The leases of the four run kinds. */
export const syncRunLease: RunLease = Object.freeze({ table: 'sync_runs', queued: 'status' });
export const pushRunLease: RunLease = Object.freeze({ table: 'push_runs', queued: 'null-heartbeat' });
export const enrichmentRunLease: RunLease = Object.freeze({
  table: 'enrichment_runs',
  queued: 'null-heartbeat',
});
export const scoreRunLease: RunLease = Object.freeze({ table: 'score_runs', queued: 'none' });

/** The columns every leased table shares, all the lease reads and writes. */
interface LeaseRow {
  id: string;
  workspace_id: string;
  status: string;
  heartbeat_at: string | null;
  started_at: string | null;
}
type LeaseDB = Record<LeasedTable, LeaseRow>;
type Queryable = Kysely<DB> | Transaction<DB>;
// The four tables share these columns; Kysely cannot type a table chosen at run time, so the lease
// sees the database through the shape they have in common.
const asLease = (db: Queryable) => db as unknown as Kysely<LeaseDB>;

/**
 * The heartbeat before which a run counts as dead: `now - staleMs`.
 *
 * @example
 * staleBefore(new Date('2026-01-01T00:02:00Z')); // '2026-01-01T00:00:00.000Z'
 */
export function staleBefore(now: Date, staleMs: number = RUN_STALE_MS): string {
  return new Date(now.getTime() - staleMs).toISOString();
}

/**
 * Whether a run holding a slot has died, by its heartbeat (or, with no heartbeat yet, how long it
 * has waited for a process since `openedAt`): what a new run checks before replacing it.
 *
 * @example
 * if (!leaseExpired(active.heartbeat_at, active.started_at, now)) throw conflict('A run is going.');
 */
export function leaseExpired(
  heartbeatAt: string | null,
  openedAt: string | null,
  now: Date | string,
  staleMs: number = RUN_STALE_MS,
): boolean {
  const at = typeof now === 'string' ? Date.parse(now) : now.getTime();
  const queued = heartbeatAt === null;
  const since = Date.parse((queued ? openedAt : heartbeatAt) ?? '') || 0;
  return at - since >= (queued ? QUEUED_RUN_MS : staleMs);
}

/**
 * Take a run for this process: one waiting for a process (`queued`), or one whose process stopped
 * beating (`stale`). Null when another live process holds it or it has ended: the caller then does
 * nothing. The update is conditional, so of two processes racing exactly one wins.
 *
 * @example
 * const how = await claimRun(db, syncRunLease, ws, runId, { now });
 * if (how === null) return; // someone else runs it
 */
export async function claimRun(
  db: Queryable,
  lease: RunLease,
  workspaceId: string,
  runId: string,
  opts: { now: Date; staleMs?: number },
): Promise<'queued' | 'stale' | null> {
  const now = opts.now.toISOString();
  const stale = staleBefore(opts.now, opts.staleMs);
  const ldb = asLease(db);
  const base = () =>
    ldb.updateTable(lease.table).where('workspace_id', '=', workspaceId).where('id', '=', runId);
  if (lease.queued === 'status') {
    // A queued run becomes running; a taken-over one keeps its first start time.
    for (const kind of ['queued', 'stale'] as const) {
      const result = await base()
        .set((eb) => ({
          status: 'running',
          heartbeat_at: now,
          started_at: eb.fn.coalesce('started_at', eb.val(now)),
        }))
        .where((eb) =>
          kind === 'queued'
            ? eb('status', '=', 'queued')
            : eb.and([eb('status', '=', 'running'), eb('heartbeat_at', '<', stale)]),
        )
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return kind;
    }
    return null;
  }
  for (const kind of lease.queued === 'null-heartbeat'
    ? (['queued', 'stale'] as const)
    : (['stale'] as const)) {
    const result = await base()
      .set({ heartbeat_at: now })
      .where('status', '=', 'running')
      .where((eb) => (kind === 'queued' ? eb('heartbeat_at', 'is', null) : eb('heartbeat_at', '<', stale)))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) return kind;
  }
  return null;
}

/**
 * Keep the lease of a running run. A run that has ended is left alone.
 *
 * @example
 * await beatRun(db, enrichmentRunLease, ws, runId, clock.now());
 */
export async function beatRun(
  db: Queryable,
  lease: RunLease,
  workspaceId: string,
  runId: string,
  now: Date,
): Promise<void> {
  await asLease(db)
    .updateTable(lease.table)
    .set({ heartbeat_at: now.toISOString() })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Hand a running run back (a stopping process): the next process to claim it carries on at once,
 * without waiting out the stale period. Score runs have no queued state: releasing one is a no-op.
 *
 * @example
 * await releaseRun(db, pushRunLease, ws, runId, clock.now());
 */
export async function releaseRun(
  db: Queryable,
  lease: RunLease,
  workspaceId: string,
  runId: string,
  now: Date,
): Promise<void> {
  if (lease.queued === 'none') return;
  await asLease(db)
    .updateTable(lease.table)
    .set(
      lease.queued === 'status'
        ? { status: 'queued', heartbeat_at: now.toISOString() }
        : { heartbeat_at: null },
    )
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Runs no process holds: waiting for one, or whose process stopped beating. What a worker's
 * schedule hands back to the job runner. The one system-level lease query (over every workspace,
 * like the scheduler); each run is then executed within its own workspace. `columns` adds the
 * table's own columns a job needs (the integration or destination it runs against).
 *
 * @example
 * for (const run of await orphanedRuns(db, syncRunLease, { now, columns: ['integration'] })) enqueue(run);
 */
export async function orphanedRuns<C extends string = never>(
  db: Queryable,
  lease: RunLease,
  opts: { now: Date; staleMs?: number; columns?: readonly C[] },
): Promise<({ id: string; workspaceId: string } & Record<C, string>)[]> {
  const stale = staleBefore(opts.now, opts.staleMs);
  const extra = (opts.columns ?? []) as unknown as (keyof LeaseRow)[];
  const rows = await asLease(db)
    .selectFrom(lease.table)
    .select(['id', 'workspace_id', ...extra])
    .where((eb) => {
      const running = eb.and([eb('status', '=', 'running'), eb('heartbeat_at', '<', stale)]);
      if (lease.queued === 'status') return eb.or([eb('status', '=', 'queued'), running]);
      if (lease.queued === 'null-heartbeat') {
        return eb.and([
          eb('status', '=', 'running'),
          eb.or([eb('heartbeat_at', 'is', null), eb('heartbeat_at', '<', stale)]),
        ]);
      }
      return running;
    })
    .execute();
  return rows.map((row) => {
    const out: Record<string, unknown> = { id: row.id, workspaceId: row.workspace_id };
    for (const c of extra) out[c] = (row as Record<string, unknown>)[c];
    return out as { id: string; workspaceId: string } & Record<C, string>;
  });
}

/** A running heartbeat timer: `stop` clears it and waits for the beat in flight. */
export interface Heartbeat {
  stop(): Promise<void>;
}

/**
 * Beat on a timer while a run executes: `beat` is called every `everyMs` (default
 * `RUN_HEARTBEAT_MS`), one call at a time, its failures logged and ignored (the next beat tries
 * again; a run that cannot beat for the stale period is taken over, which is the point). The timer
 * does not keep the process alive.
 *
 * @example
 * const heartbeat = keepBeating(() => beatRun(db, scoreRunLease, ws, runId, clock.now()), { logger });
 * try { await work(); } finally { await heartbeat.stop(); }
 */
export function keepBeating(
  beat: () => Promise<unknown>,
  opts: { everyMs?: number; logger?: Logger; what?: string } = {},
): Heartbeat {
  let chain: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    chain = chain
      .then(beat)
      .catch((error) => opts.logger?.warn({ err: error }, `${opts.what ?? 'run'} heartbeat failed`));
  }, opts.everyMs ?? RUN_HEARTBEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await chain.catch(() => undefined);
    },
  };
}
