import type { Kysely } from 'kysely';
import {
  type ConnectionDeps,
  connectionClient,
  markConnectionError,
  openConnectionById,
} from '../connections/index.js';
import { isAppError } from '../core/errors.js';
import { AuthError } from '../core/http/index.js';
import { scrubString } from '../core/redact.js';
import { fromJson, toJson } from '../db/json.js';
import type { DB } from '../db/schema/index.js';
import {
  type AnyIntegration,
  type AnyStream,
  type Page,
  RepeatingCursorError,
} from '../integrations/index.js';
import { keepBeating, RUN_HEARTBEAT_MS, RUN_STALE_MS } from '../runs/index.js';
import { CanceledError, localRuns } from './active.js';
import { countRecords } from './records.js';
import {
  claimRun,
  emptyCounts,
  finishSyncRun,
  getRun,
  heartbeatRun,
  type RunCounts,
  type RunWarning,
  recordRunDeletes,
  recordRunPage,
  releaseSyncRun,
  type StreamRunSummary,
  type SyncRun,
} from './runs.js';
import { readStreamState, type StreamKey, writeStreamState } from './state.js';
import { preparePage, sweepUnseen, writePage } from './writer.js';

/**
 * How long a run may go without a heartbeat before another process may take it over or expire it:
 * the one threshold of every run kind (src/runs).
 */
export const DEFAULT_LEASE_MS = RUN_STALE_MS;

export interface SyncOptions {
  /** Default `RUN_STALE_MS` (2 min); tests shorten it. */
  leaseMs?: number;
  /** Default `RUN_HEARTBEAT_MS` (15 s), or a quarter of a shorter lease. */
  heartbeatMs?: number;
  /** Stops the run after the current page (process shutdown); the run ends `canceled`. */
  signal?: AbortSignal;
  /** Called after each committed page. */
  onProgress?: (progress: SyncProgress) => void;
}

export interface SyncProgress {
  runId: string;
  stream: string;
  counts: RunCounts;
  streamCounts: RunCounts;
  recordsPerSecond: number;
  elapsedMs: number;
}

const add = (a: RunCounts, b: Partial<RunCounts>): RunCounts => ({
  pages: a.pages + (b.pages ?? 0),
  read: a.read + (b.read ?? 0),
  written: a.written + (b.written ?? 0),
  unchanged: a.unchanged + (b.unchanged ?? 0),
  deleted: a.deleted + (b.deleted ?? 0),
  rejected: a.rejected + (b.rejected ?? 0),
});

const DAY_MS = 86_400_000;

/**
 * Execute a queued run: claim it (one process only), then sync each requested stream of the
 * connection — pages upserted with the cursor in the same transaction, rejects recorded, deletions
 * marked, reconciliation checked — and record the outcome. Returns the finished run; when another
 * process holds the run, returns it untouched.
 *
 * @example
 * const run = await createRun(rt.db.kysely, ws, { connectionId, integration: 'stripe', trigger: 'cli' }, { now, leaseMs });
 * const done = await executeRun(rt, ws, run.id, { onProgress: (p) => bar.update(p.counts.read) });
 * done.status; // 'succeeded' | 'partial' | 'failed' | 'canceled'
 */
export async function executeRun(
  deps: ConnectionDeps,
  workspaceId: string,
  runId: string,
  opts: SyncOptions = {},
): Promise<SyncRun> {
  const db = deps.db.kysely;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  if (!(await claimRun(db, workspaceId, runId, { now: deps.clock.now(), leaseMs }))) {
    return getRun(db, workspaceId, runId);
  }
  const run = await getRun(db, workspaceId, runId);
  const controller = new AbortController();
  localRuns.set(runId, controller);
  const onOuterAbort = () => controller.abort(new CanceledError('The process is shutting down.', 'shutdown'));
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();

  const heartbeatMs = opts.heartbeatMs ?? Math.max(50, Math.min(RUN_HEARTBEAT_MS, Math.floor(leaseMs / 4)));
  const heartbeat = keepBeating(
    async () => {
      const { cancelRequested } = await heartbeatRun(db, workspaceId, runId, deps.clock.now());
      if (cancelRequested) controller.abort(new CanceledError('Canceled on request.', 'user'));
    },
    { everyMs: heartbeatMs, logger: deps.logger.child({ runId }), what: 'sync' },
  );

  const started = performance.now();
  // A run taken over after its process died (or released at shutdown) continues its own tally.
  let counts: RunCounts = { ...run.counts };
  const breakdown: Record<string, StreamRunSummary> = { ...run.streams };
  const warnings: RunWarning[] = [];
  let runError: { code: string; message: string } | null = null;
  let canceled = false;

  try {
    const open = await openConnectionById(deps, workspaceId, run.connectionId);
    const integration = open.integration;
    const names = run.requestedStreams ?? Object.keys(integration.streams);
    for (const name of names) {
      breakdown[name] ??= {
        ...emptyCounts(),
        status: 'pending',
        full: false,
        startedAt: null,
        finishedAt: null,
        error: null,
      };
    }
    const client = connectionClient(deps, open);
    for (const name of names) {
      if (breakdown[name]!.status === 'succeeded' || breakdown[name]!.status === 'partial') continue;
      if (controller.signal.aborted) {
        canceled = true;
        break;
      }
      const stream = integration.streams[name]!;
      const key: StreamKey = {
        workspaceId,
        connectionId: run.connectionId,
        integration: integration.name,
        stream: name,
      };
      const summary = breakdown[name]!;
      summary.status = 'running';
      summary.startedAt = deps.clock.now().toISOString();
      try {
        await syncStream(deps, {
          run,
          key,
          stream,
          client,
          settings: open.settings,
          summary,
          signal: controller.signal,
          cancel: () => controller.abort(new CanceledError('Canceled on request.', 'user')),
          onPage: (delta) => {
            counts = add(counts, delta);
            const elapsedMs = performance.now() - started;
            opts.onProgress?.({
              runId,
              stream: name,
              counts,
              streamCounts: summary,
              recordsPerSecond: Math.round(counts.read / Math.max(0.001, elapsedMs / 1000)),
              elapsedMs,
            });
            return { counts, breakdown };
          },
        });
        summary.status = summary.rejected > 0 ? 'partial' : 'succeeded';
        const drift = await reconcile(db, integration, stream, key, client, deps);
        if (drift) warnings.push(drift);
      } catch (error) {
        if (controller.signal.aborted) {
          summary.status = 'canceled';
          canceled = true;
        } else {
          summary.status = 'failed';
          const message = errorMessage(error);
          summary.error = message;
          runError ??= { code: errorCode(error), message: `Stream ${name} failed: ${message}` };
          deps.logger.warn({ runId, stream: name, err: error }, 'sync stream failed');
          if (error instanceof AuthError) {
            await markConnectionError(deps, workspaceId, run.connectionId, error.message);
            break;
          }
        }
      } finally {
        summary.finishedAt = deps.clock.now().toISOString();
      }
      if (canceled) break;
    }
  } catch (error) {
    runError = { code: errorCode(error), message: errorMessage(error) };
  } finally {
    localRuns.delete(runId);
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await heartbeat.stop();
  }

  const released = canceled && (controller.signal.reason as CanceledError | undefined)?.kind === 'shutdown';
  if (released) {
    // Back to the queue with its counts: a job runner (or the next start) resumes it from the cursor.
    await releaseSyncRun(db, workspaceId, runId, { streams: breakdown, now: deps.clock.now() });
    return getRun(db, workspaceId, runId);
  }
  const status = canceled
    ? 'canceled'
    : runError
      ? 'failed'
      : Object.values(breakdown).some((s) => s.status === 'partial')
        ? 'partial'
        : 'succeeded';
  const now = deps.clock.now().toISOString();
  if (canceled) runError = { code: 'canceled', message: errorMessage(controller.signal.reason) };
  await finishSyncRun(db, workspaceId, runId, { status, streams: breakdown, warnings, error: runError, now });
  return getRun(db, workspaceId, runId);
}

interface StreamJob {
  run: SyncRun;
  key: StreamKey;
  stream: AnyStream;
  client: unknown;
  /** The connection's settings, handed to the stream's `read`. */
  settings: Readonly<Record<string, unknown>>;
  summary: StreamRunSummary;
  signal: AbortSignal;
  /** Stop after this page (a cancel was requested from another process). */
  cancel: () => void;
  onPage: (delta: RunCounts) => { counts: RunCounts; breakdown: Record<string, StreamRunSummary> };
}

/** Where a stream starts: resume an unfinished pass, continue incrementally, or start a full pass. */
function startingPoint(
  job: StreamJob,
  row: Awaited<ReturnType<typeof readStreamState>>,
  now: Date,
): { state: unknown; full: boolean; passStartedAt: string; resumed: boolean } {
  const { stream, run } = job;
  const tooOld =
    stream.fullRefreshAfterDays !== undefined &&
    row !== undefined &&
    now.getTime() - Date.parse(row.updated_at) > stream.fullRefreshAfterDays * DAY_MS;
  const fresh = { state: null, full: true, passStartedAt: now.toISOString(), resumed: false };
  // A --full run taken over (after a crash or a shutdown) continues the pass it began itself.
  const ownPass = Boolean(row?.pass_started_at && run.startedAt && row.pass_started_at >= run.startedAt);
  if (!row || (run.fullRefresh && !ownPass) || tooOld) return fresh;
  if (row.pass_started_at) {
    // An unfinished pass (crash, cancel, failure): resume right after its last committed page.
    return {
      state: fromJson<unknown>(row.state_json, null),
      full: row.pass === 'full',
      passStartedAt: row.pass_started_at,
      resumed: true,
    };
  }
  if (stream.cursor === 'none' || row.state_json === null) return fresh;
  return {
    state: fromJson<unknown>(row.state_json, null),
    full: false,
    passStartedAt: now.toISOString(),
    resumed: false,
  };
}

async function syncStream(deps: ConnectionDeps, job: StreamJob): Promise<void> {
  const db = deps.db.kysely;
  const { key, stream, summary, signal } = job;
  const row = await readStreamState(db, key);
  const start = startingPoint(job, row, deps.clock.now());
  summary.full = start.full;
  const pass = start.full ? ('full' as const) : ('incremental' as const);
  await writeStreamState(db, key, {
    state_json: start.state === null ? null : toJson(start.state),
    pass,
    pass_started_at: start.passStartedAt,
    last_success_at: row?.last_success_at ?? null,
    updated_at: row && start.resumed ? row.updated_at : deps.clock.now().toISOString(),
  });

  const ctx = {
    signal,
    logger: deps.logger.child({ runId: job.run.id, stream: key.stream }),
    clock: deps.clock,
    full: start.full,
    lastSuccessAt: row?.last_success_at ?? null,
    connectionId: key.connectionId,
    workspaceId: key.workspaceId,
    settings: job.settings,
  };
  const iterator = stream.read(job.client, start.state, ctx)[Symbol.asyncIterator]();
  let lastStateJson = start.state === null ? null : toJson(start.state);
  let finalStateJson = lastStateJson;
  // Read the next page while the current one is written: the service works while SQLite does.
  let pending: Promise<IteratorResult<Page<unknown, unknown>>> | undefined = iterator.next();
  pending.catch(() => undefined);
  try {
    while (pending) {
      const result = await pending;
      pending = undefined;
      if (result.done) break;
      if (signal.aborted) throw signal.reason;
      const page = result.value;
      const stateJson = page.state === undefined || page.state === null ? null : toJson(page.state);
      if (stream.cursor !== 'none' && stateJson !== null && stateJson === lastStateJson && !page.done) {
        throw new RepeatingCursorError(
          `the service handed out the same position twice (${scrubString(stateJson).slice(0, 120)}); stopped instead of looping. The committed pages are kept.`,
        );
      }
      if (!page.done) {
        pending = iterator.next();
        pending.catch(() => undefined);
      }
      const prepared = preparePage(stream, page);
      const now = deps.clock.now().toISOString();
      await db.transaction().execute(async (trx) => {
        const outcome = await writePage(trx, key, prepared, {
          runId: job.run.id,
          now,
          fullPass: start.full,
          sqlite: deps.db.sqlite,
        });
        const delta: RunCounts = { pages: 1, read: prepared.read, ...outcome };
        Object.assign(summary, add(summary, delta));
        const { counts, breakdown } = job.onPage(delta);
        await writeStreamState(trx, key, {
          state_json: stream.cursor === 'none' ? null : stateJson,
          pass,
          pass_started_at: start.passStartedAt,
          last_success_at: row?.last_success_at ?? null,
          updated_at: now,
        });
        const flags = await recordRunPage(trx, key.workspaceId, job.run.id, {
          counts,
          streams: breakdown,
          stream: key.stream,
          now,
        });
        if (flags.cancelRequested) job.cancel();
      });
      lastStateJson = stateJson;
      finalStateJson = stateJson;
      if (page.done) break;
    }
  } finally {
    if (pending) await iterator.return?.(undefined).catch(() => undefined);
  }
  if (signal.aborted) throw signal.reason;

  // The pass is complete: sweep what a full pass did not see, and make the final state the cursor.
  const now = deps.clock.now().toISOString();
  await db.transaction().execute(async (trx) => {
    let swept = 0;
    if (start.full && (stream.deletes ?? 'full-refresh') === 'full-refresh') {
      swept = await sweepUnseen(trx, key, start.passStartedAt, now);
    }
    await writeStreamState(trx, key, {
      state_json: stream.cursor === 'none' ? null : finalStateJson,
      pass: 'incremental',
      pass_started_at: null,
      last_success_at: now,
      updated_at: now,
    });
    if (swept > 0) {
      summary.deleted += swept;
      const { counts, breakdown } = job.onPage({ ...emptyCounts(), deleted: swept });
      await recordRunDeletes(trx, key.workspaceId, job.run.id, {
        deleted: counts.deleted,
        streams: breakdown,
      });
    }
  });
}

async function reconcile(
  db: Kysely<DB>,
  integration: AnyIntegration,
  stream: AnyStream,
  key: StreamKey,
  client: unknown,
  deps: ConnectionDeps,
): Promise<RunWarning | undefined> {
  if (!stream.reconcile) return undefined;
  try {
    const upstream = await stream.reconcile(client);
    const local = await countRecords(db, key.workspaceId, {
      integration: integration.name,
      stream: key.stream,
    });
    if (upstream === local) return undefined;
    return {
      stream: key.stream,
      kind: 'reconciliation_drift',
      local,
      upstream,
      message: `${integration.displayName} reports ${upstream} ${key.stream} but Beton holds ${local} (${local > upstream ? '+' : ''}${local - upstream}). A full sync (--full) re-reads everything.`,
    };
  } catch (error) {
    deps.logger.warn({ stream: key.stream, err: error }, 'reconciliation count failed');
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return scrubString(error.message);
  return scrubString(String(error ?? 'unknown error'));
}

function errorCode(error: unknown): string {
  if (isAppError(error)) return error.code;
  if (error instanceof RepeatingCursorError) return error.code;
  return 'sync_failed';
}
