import { type AuditActor, recordAudit } from '../audit/index.js';
import { type ConnectionDeps, connectionClient, openConnection } from '../connections/index.js';
import { AppError, notFound } from '../core/errors.js';
import { integrations } from '../integrations/registry.js';
import { beatRun, claimRun, keepBeating, pushRunLease, releaseRun } from '../runs/index.js';
import type { PushDestination } from './destination.js';
import { type MappingOverrides, resolveMapping } from './mapping.js';
import {
  applyPushPlan,
  applyRollback,
  buildPushPlan,
  openPushRun,
  openRollbackRun,
  type PushDeps,
  type PushProgress,
} from './pipeline.js';
import {
  finishRun,
  getRun,
  listOpenRejects,
  listRunItems,
  listRuns,
  type PushRun,
  type PushRunItem,
} from './repository.js';
import { scoresPushSource } from './source.js';
import type { FieldMapping, PushPlan, PushSource } from './types.js';

/**
 * Destinations Beton ships: every registered integration that declares the `destination`
 * capability. The runtime's registry (which tests may extend) decides at run time; this list is
 * what the API and MCP schemas enumerate.
 */
export const PUSH_DESTINATIONS: readonly string[] = integrations
  .filter((i) => i.destination)
  .map((i) => i.name);

/** What the push service needs: the connection services (a Runtime satisfies them) and a source. */
export interface PushServiceDeps extends ConnectionDeps {
  /** Where accounts and their scores come from. */
  pushSource: PushSource;
}

/**
 * The push service over the connection services, reading the accounts' scores: what the API and
 * the CLI use.
 *
 * @example
 * const plan = await planPush(withScoresSource(rt), ws, 'acme');
 */
export const withScoresSource = (deps: ConnectionDeps): PushServiceDeps => ({
  ...deps,
  pushSource: scoresPushSource(deps.db.kysely, deps.clock),
});

export interface PushRequest {
  /** Compare every record with the destination, not only those changed since the last push. */
  full?: boolean;
  signal?: AbortSignal;
}

interface Opened {
  destination: PushDestination;
  mapping: FieldMapping[];
  notes: boolean;
  pushDeps: PushDeps;
}

/** Open the workspace's destination connection and read its push settings. */
async function openDestination(deps: PushServiceDeps, workspaceId: string, name: string): Promise<Opened> {
  const capability = deps.integrations.get(name)?.destination;
  if (!capability) {
    const known = deps.integrations
      .list()
      .filter((i) => i.destination)
      .map((i) => i.name);
    throw new AppError(
      404,
      'unknown_destination',
      `Beton cannot push to "${name}"; destinations: ${known.join(', ') || 'none registered'}.`,
    );
  }
  const open = await openConnection(deps, workspaceId, name);
  const parsed = open.integration.settings.safeParse(open.settings);
  const settings = (parsed.success ? parsed.data : {}) as {
    notes?: boolean;
    fieldPolicies?: Record<string, string>;
  };
  const overrides: MappingOverrides = {};
  for (const [field, policy] of Object.entries(settings.fieldPolicies ?? {})) {
    overrides[field as keyof MappingOverrides] = { policy: policy as never };
  }
  return {
    destination: capability.open(connectionClient(deps, open), {
      workspaceId,
      connectionId: open.connectionId,
      settings: parsed.success ? parsed.data : open.settings,
      logger: deps.logger,
      clock: deps.clock,
    }),
    mapping: resolveMapping(overrides),
    notes: settings.notes === true,
    pushDeps: { db: deps.db.kysely, clock: deps.clock, logger: deps.logger },
  };
}

/**
 * The dry run: what a push would write now, record by record, and nothing written.
 *
 * @example
 * const plan = await planPush(rt, ws, 'acme');
 * plan.summary; // { creates, updates, unchanged, rejects, keptFields, notes, writes }
 */
export async function planPush(
  deps: PushServiceDeps,
  workspaceId: string,
  destinationName: string,
  req: PushRequest = {},
): Promise<PushPlan> {
  const o = await openDestination(deps, workspaceId, destinationName);
  return buildPushPlan(o.pushDeps, workspaceId, o.destination, deps.pushSource, {
    mapping: o.mapping,
    notes: o.notes,
    ...(req.full ? { full: true } : {}),
    ...(req.signal ? { signal: req.signal } : {}),
  });
}

export interface StartedRun {
  runId: string;
  /** Resolves when the run has finished (its status says how). Never rejects. */
  done: Promise<PushRun>;
}

/** How a run is executed, wherever it is (the CLI's process, or a worker's `push.run` job). */
export interface ExecuteRequest extends PushRequest {
  onProgress?: (p: PushProgress) => void;
  /**
   * When `signal` aborts, leave the run open for another process instead of closing it as
   * canceled: a stopping worker hands its push back and the next worker resumes it.
   */
  leaveOpenOnAbort?: boolean;
}

/**
 * Open a push run and record who asked, without executing it (409 `push_running` while another
 * push to the destination is open): the API does this, then queues the `push.run` job that
 * executes it on a worker (src/jobs). The run is `running` from here, with no heartbeat until a
 * process takes it.
 *
 * @example
 * const runId = await openPush(rt, ws, 'acme', { trigger: 'api', actor });
 */
export async function openPush(
  deps: PushServiceDeps,
  workspaceId: string,
  destinationName: string,
  req: Pick<PushRequest, 'full'> & { trigger: string; actor: AuditActor },
): Promise<string> {
  const o = await openDestination(deps, workspaceId, destinationName);
  const runId = await openPushRun(o.pushDeps, workspaceId, destinationName, req);
  await recordAudit(deps.db, workspaceId, req.actor, 'push.run', {
    targetType: 'push_run',
    targetId: runId,
    details: { destination: destinationName, full: req.full === true },
  });
  return runId;
}

/**
 * Start a push in this process: opens the run at once (409 `push_running` while another runs),
 * then plans and applies it; `done` resolves with the finished run (it rejects only if the
 * database itself fails). The CLI awaits `done` with a progress bar; the API queues the run for a
 * worker instead (`openPush`, then the `push.run` job).
 *
 * @example
 * const { runId, done } = await startPush(rt, ws, 'acme', { trigger: 'cli', actor });
 * const run = await done; // run.status: 'succeeded' | 'partial' | 'failed'
 */
export async function startPush(
  deps: PushServiceDeps,
  workspaceId: string,
  destinationName: string,
  req: ExecuteRequest & { trigger: string; actor: AuditActor },
): Promise<StartedRun> {
  const runId = await openPush(deps, workspaceId, destinationName, req);
  const done = executePushRun(deps, workspaceId, runId, req);
  return { runId, done };
}

/**
 * Execute an open push or rollback run (from `openPush`/`openRollback`, or a job that carries its
 * id): what the `push.run` job handler calls. The run is claimed first, so two processes never
 * execute it at once: a run another live process holds is answered as it is (still `running`),
 * and the caller may try again later. A push whose process died is resumed (what it wrote is
 * recorded; the plan skips it, and a write that was in flight is checked against the destination
 * rather than sent again); so is a rollback (it skips the records it restored). Resolves with the
 * run; a failure is its status and error.
 *
 * @example
 * runner.register('push.run', (p, ctx) => executePushRun(rt, p.workspaceId, p.runId, { signal: ctx.signal }).then(() => {}));
 */
export async function executePushRun(
  deps: PushServiceDeps,
  workspaceId: string,
  runId: string,
  req: ExecuteRequest = {},
): Promise<PushRun> {
  const db = deps.db.kysely;
  const run = await getRun(db, workspaceId, runId);
  if (!run) throw notFound(`Push run ${runId}`);
  if (run.status !== 'running') return run;
  const now = deps.clock.now();
  const claimed = await claimRun(db, pushRunLease, workspaceId, runId, { now });
  if (!claimed) return (await getRun(db, workspaceId, runId)) ?? run;
  // Beat while it plans or waits too (reading a large CRM can take minutes), so another process
  // does not take it for dead.
  const beating = keepBeating(() => beatRun(db, pushRunLease, workspaceId, runId, deps.clock.now()), {
    logger: deps.logger,
    what: 'push',
  });
  let result: PushRun | undefined;
  try {
    const o = await openDestination(deps, workspaceId, run.destination);
    const signal = req.signal ? { signal: req.signal } : {};
    const onProgress = req.onProgress ? { onProgress: req.onProgress } : {};
    if (run.kind === 'rollback') {
      result = await applyRollback(o.pushDeps, workspaceId, o.destination, runId, {
        ...signal,
        ...onProgress,
        ...(req.leaveOpenOnAbort ? { leaveOpenOnAbort: true } : {}),
      });
    } else {
      const plan = await buildPushPlan(o.pushDeps, workspaceId, o.destination, deps.pushSource, {
        mapping: o.mapping,
        notes: o.notes,
        ...(req.full ? { full: true } : {}),
        ...signal,
      });
      result = await applyPushPlan(o.pushDeps, workspaceId, o.destination, plan, {
        mapping: o.mapping,
        runId,
        ...signal,
        ...onProgress,
        ...(req.leaveOpenOnAbort ? { leaveOpenOnAbort: true } : {}),
      });
    }
  } catch (error) {
    if (!(req.leaveOpenOnAbort && req.signal?.aborted)) {
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.warn({ runId, error: message }, `${run.kind} run could not be planned`);
      await finishRun(db, workspaceId, runId, {
        status: 'failed',
        error: message,
        now: deps.clock.now().toISOString(),
      });
    }
  } finally {
    await beating.stop();
  }
  if (!result || result.status === 'running') {
    // Left open for the next process (a stopping worker): it may take it over at once.
    await releaseRun(db, pushRunLease, workspaceId, runId, deps.clock.now());
  }
  return (await getRun(db, workspaceId, runId))!;
}

/**
 * Close a run whose job could not be queued (the job queue refused it): no process will take it,
 * so it must not hold the destination. Best effort: the queue and the database fail together.
 */
export async function closeUnqueuedPush(
  deps: Pick<ConnectionDeps, 'db' | 'clock'>,
  workspaceId: string,
  runId: string,
  error: unknown,
): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  await finishRun(deps.db.kysely, workspaceId, runId, {
    status: 'failed',
    error: `Could not be queued for a worker (${reason}); start it again.`,
    now: deps.clock.now().toISOString(),
  }).catch(() => undefined);
}

/**
 * Open a rollback of a push run and record who asked, without executing it: every field the run
 * wrote is to return to its earlier value unless it changed since. The API queues the `push.run`
 * job that executes it; `startRollback` executes it here.
 *
 * @example
 * const rollbackId = await openRollback(rt, ws, 'pr_…', { trigger: 'api', actor });
 */
export async function openRollback(
  deps: PushServiceDeps,
  workspaceId: string,
  runId: string,
  req: { trigger: string; actor: AuditActor },
): Promise<{ rollbackId: string; destination: string }> {
  const target = await getRun(deps.db.kysely, workspaceId, runId);
  if (!target) throw notFound(`Push run ${runId}`);
  const o = await openDestination(deps, workspaceId, target.destination);
  const rollbackId = await openRollbackRun(o.pushDeps, workspaceId, target.destination, runId, req);
  await recordAudit(deps.db, workspaceId, req.actor, 'push.rollback', {
    targetType: 'push_run',
    targetId: runId,
    details: { rollbackRunId: rollbackId, destination: target.destination },
  });
  return { rollbackId, destination: target.destination };
}

/**
 * Roll back a push run in this process (the CLI): answers the rollback run's id at once; `done`
 * resolves when it has finished.
 *
 * @example
 * const { runId, done } = await startRollback(rt, ws, 'pr_…', { trigger: 'cli', actor });
 */
export async function startRollback(
  deps: PushServiceDeps,
  workspaceId: string,
  runId: string,
  req: { trigger: string; actor: AuditActor; signal?: AbortSignal; onProgress?: (p: PushProgress) => void },
): Promise<StartedRun> {
  const { rollbackId } = await openRollback(deps, workspaceId, runId, req);
  const done = executePushRun(deps, workspaceId, rollbackId, {
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
  });
  return { runId: rollbackId, done };
}

/** Push runs of the workspace, newest first. */
export function listPushRuns(
  deps: Pick<ConnectionDeps, 'db'>,
  workspaceId: string,
  opts: { limit?: number; before?: string; destination?: string } = {},
): Promise<PushRun[]> {
  return listRuns(deps.db.kysely, workspaceId, opts);
}

/** One run with its per-record items (paged by item id) — 404 for another workspace's run. */
export async function getPushRun(
  deps: Pick<ConnectionDeps, 'db'>,
  workspaceId: string,
  runId: string,
  opts: { limit?: number; afterId?: number; status?: PushRunItem['status'] } = {},
): Promise<{ run: PushRun; items: PushRunItem[] }> {
  const run = await getRun(deps.db.kysely, workspaceId, runId);
  if (!run) throw notFound(`Push run ${runId}`);
  return { run, items: await listRunItems(deps.db.kysely, workspaceId, runId, opts) };
}

/** Records a destination refused and that the next run will retry, newest first. */
export function listPushRejects(deps: Pick<ConnectionDeps, 'db'>, workspaceId: string, destination: string) {
  return listOpenRejects(deps.db.kysely, workspaceId, destination);
}
