import { type AuditActor, recordAudit } from '../audit/index.js';
import { type ConnectionDeps, connectionClient, openConnection } from '../connections/index.js';
import { AppError, notFound } from '../core/errors.js';
import type { AttioClient } from '../integrations/attio/index.js';
import type { PushDestination } from './destination.js';
import { attioDestination } from './destinations/attio.js';
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
  heartbeat,
  listOpenRejects,
  listRunItems,
  listRuns,
  type PushRun,
  type PushRunItem,
} from './repository.js';
import { scoresPushSource } from './source.js';
import type { FieldMapping, PushPlan, PushSource } from './types.js';

/** Destinations Beton can push to: the integration name and how to wrap its client. */
const DESTINATIONS: Record<string, (client: unknown) => PushDestination> = {
  attio: (client) => attioDestination(client as AttioClient),
};

export const PUSH_DESTINATIONS = Object.keys(DESTINATIONS);

const HEARTBEAT_EVERY_MS = 20_000;

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
 * const plan = await planPush(withScoresSource(rt), ws, 'attio');
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
  const wrap = DESTINATIONS[name];
  if (!wrap) {
    throw new AppError(
      404,
      'unknown_destination',
      `Beton cannot push to "${name}"; destinations: ${PUSH_DESTINATIONS.join(', ')}.`,
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
    destination: wrap(connectionClient(deps, open)),
    mapping: resolveMapping(overrides),
    notes: settings.notes === true,
    pushDeps: { db: deps.db.kysely, clock: deps.clock, logger: deps.logger },
  };
}

/**
 * The dry run: what a push would write now, record by record, and nothing written.
 *
 * @example
 * const plan = await planPush(rt, ws, 'attio');
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

/**
 * Start a push: opens the run at once (409 `push_running` while another runs), then plans and
 * applies it; `done` resolves with the finished run (it rejects only if the database itself fails). The API answers with `runId` right away; the
 * CLI awaits `done` with a progress bar.
 *
 * @example
 * const { runId, done } = await startPush(rt, ws, 'attio', { trigger: 'cli', actor });
 * const run = await done; // run.status: 'succeeded' | 'partial' | 'failed'
 */
export async function startPush(
  deps: PushServiceDeps,
  workspaceId: string,
  destinationName: string,
  req: PushRequest & { trigger: string; actor: AuditActor; onProgress?: (p: PushProgress) => void },
): Promise<StartedRun> {
  const o = await openDestination(deps, workspaceId, destinationName);
  const runId = await openPushRun(o.pushDeps, workspaceId, destinationName, req);
  await recordAudit(deps.db, workspaceId, req.actor, 'push.run', {
    targetType: 'push_run',
    targetId: runId,
    details: { destination: destinationName, full: req.full === true },
  });
  const done = executePushRun(deps, workspaceId, runId, req);
  return { runId, done };
}

/**
 * Plan and apply a push run opened by `startPush` (or by a job that carries its id): what a
 * `push.run` job handler calls. Resolves with the finished run; a failure is its status and error.
 *
 * @example
 * runner.register('push.run', (p, ctx) => executePushRun(rt, p.workspaceId, p.runId, { signal: ctx.signal }).then(() => {}));
 */
export async function executePushRun(
  deps: PushServiceDeps,
  workspaceId: string,
  runId: string,
  req: Omit<PushRequest, 'trigger' | 'actor'> & { onProgress?: (p: PushProgress) => void } = {},
): Promise<PushRun> {
  const db = deps.db.kysely;
  const run = await getRun(db, workspaceId, runId);
  if (!run) throw notFound(`Push run ${runId}`);
  if (run.status !== 'running' || run.kind !== 'push') return run;
  const stopBeating = keepAlive(deps, workspaceId, runId);
  try {
    const o = await openDestination(deps, workspaceId, run.destination);
    const plan = await buildPushPlan(o.pushDeps, workspaceId, o.destination, deps.pushSource, {
      mapping: o.mapping,
      notes: o.notes,
      ...(req.full ? { full: true } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    return await applyPushPlan(o.pushDeps, workspaceId, o.destination, plan, {
      mapping: o.mapping,
      runId,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.warn({ runId, error: message }, 'push run could not be planned');
    await finishRun(db, workspaceId, runId, {
      status: 'failed',
      error: message,
      now: deps.clock.now().toISOString(),
    });
    return (await getRun(db, workspaceId, runId))!;
  } finally {
    stopBeating();
  }
}

/**
 * Beat a run's heartbeat while it plans or waits (reading a large CRM can take minutes), so
 * another process does not take it for dead. Returns the function that stops it.
 */
function keepAlive(deps: PushServiceDeps, workspaceId: string, runId: string): () => void {
  const timer = setInterval(() => {
    heartbeat(deps.db.kysely, workspaceId, runId, {}, deps.clock.now().toISOString()).catch((error) =>
      deps.logger.warn({ runId, error: String(error) }, 'push heartbeat failed'),
    );
  }, HEARTBEAT_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Start rolling back a push run: every field it wrote returns to its earlier value unless it
 * changed since. Answers the rollback run's id at once; `done` resolves when it has finished.
 *
 * @example
 * const { runId } = await startRollback(rt, ws, 'pr_…', { trigger: 'api', actor });
 */
export async function startRollback(
  deps: PushServiceDeps,
  workspaceId: string,
  runId: string,
  req: { trigger: string; actor: AuditActor; signal?: AbortSignal; onProgress?: (p: PushProgress) => void },
): Promise<StartedRun> {
  const target = await getRun(deps.db.kysely, workspaceId, runId);
  if (!target) throw notFound(`Push run ${runId}`);
  const o = await openDestination(deps, workspaceId, target.destination);
  const rollbackId = await openRollbackRun(o.pushDeps, workspaceId, target.destination, runId, req);
  await recordAudit(deps.db, workspaceId, req.actor, 'push.rollback', {
    targetType: 'push_run',
    targetId: runId,
    details: { rollbackRunId: rollbackId, destination: target.destination },
  });
  const stopBeating = keepAlive(deps, workspaceId, rollbackId);
  const done = applyRollback(o.pushDeps, workspaceId, o.destination, rollbackId, {
    ...(req.signal ? { signal: req.signal } : {}),
    ...(req.onProgress ? { onProgress: req.onProgress } : {}),
  })
    .catch(async (error) => {
      const message = error instanceof Error ? error.message : String(error);
      await finishRun(o.pushDeps.db, workspaceId, rollbackId, {
        status: 'failed',
        error: message,
        now: deps.clock.now().toISOString(),
      });
      return (await getRun(o.pushDeps.db, workspaceId, rollbackId))!;
    })
    .finally(stopBeating);
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
