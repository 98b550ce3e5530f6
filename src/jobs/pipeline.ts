import type { ConnectionDeps } from '../connections/index.js';
import { startEnrich, withAccountDomains } from '../enrichment/index.js';
import { executeRun, startSync } from '../sync/index.js';
import { enqueueEnrich } from './run-jobs.js';
import type { JobRunner } from './runner.js';
import { isConflict, runScoreSkippingConflict } from './score.js';

export const PIPELINE_JOB = 'pipeline.run';

export interface PipelinePayload {
  workspaceId: string;
  /** Sync every connected source first (default true); false after a sync that just finished. */
  sync?: boolean;
  trigger?: string;
}

export type PipelineStage = 'sync' | 'score' | 'enrich' | 'rescore';

export interface PipelineResult {
  synced: { integration: string; runId: string | null; status: string }[];
  scored: boolean;
  /** The enrichment run; `queued` when it went to the job queue (`jobs`), which then rescores. */
  enriched: { runId: string; status: string } | null;
}

/**
 * The pipeline the architecture describes, run for one workspace: sync every connected source →
 * score (which resolves accounts, so enrichment knows their domains) → enrich new domains when an
 * integration with the `enrichment` capability is connected → score again when enrichment found anything. Each step is
 * idempotent and resumable; a step already running elsewhere (409) is skipped, not waited for.
 * The push stays a person's decision (plan, then apply). Given `jobs` (the `pipeline.run` job),
 * enrichment goes through the queue as an `enrich.run` job holding its provider's connection key, which
 * rescores when it found anything; without it (the demo, tests) everything runs here.
 *
 * @example
 * const result = await runPipeline(rt, ws, { onStage: (s) => console.log(s) });
 */
export async function runPipeline(
  deps: ConnectionDeps,
  workspaceId: string,
  opts: {
    sync?: boolean;
    trigger?: string;
    signal?: AbortSignal;
    onStage?: (stage: PipelineStage) => void;
    jobs?: JobRunner;
  } = {},
): Promise<PipelineResult> {
  const trigger = opts.trigger ?? 'pipeline';
  const result: PipelineResult = { synced: [], scored: false, enriched: null };
  const connected = await connectedIntegrations(deps, workspaceId);

  if (opts.sync !== false) {
    opts.onStage?.('sync');
    for (const name of connected.filter(
      (n) => Object.keys(deps.integrations.require(n).streams).length > 0,
    )) {
      if (opts.signal?.aborted) return result;
      try {
        const run = await startSync(deps, workspaceId, name, { trigger: 'pipeline' });
        const done = await executeRun(deps, workspaceId, run.id, opts.signal ? { signal: opts.signal } : {});
        result.synced.push({ integration: name, runId: done.id, status: done.status });
      } catch (error) {
        if (!isConflict(error)) throw error;
        result.synced.push({ integration: name, runId: null, status: 'already_running' });
      }
    }
  }

  opts.onStage?.('score');
  result.scored = await runScoreSkippingConflict(deps, workspaceId, trigger, opts.jobs);

  const enriches = connected.some((name) => deps.integrations.get(name)?.enrichment);
  if (enriches && !opts.signal?.aborted) {
    opts.onStage?.('enrich');
    try {
      if (opts.jobs) {
        const runId = await enqueueEnrich(deps, opts.jobs, workspaceId, {
          trigger,
          actor: { actorType: 'system', actorId: null },
          rescore: true,
        });
        result.enriched = { runId, status: 'queued' };
        return result;
      }
      const { runId, done } = await startEnrich(withAccountDomains(deps), workspaceId, {
        trigger,
        actor: { actorType: 'system', actorId: null },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const run = await done;
      result.enriched = { runId, status: run.status };
      if (run.counts.found > 0) {
        opts.onStage?.('rescore');
        await runScoreSkippingConflict(deps, workspaceId, trigger, opts.jobs);
      }
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
  return result;
}

/**
 * Register `pipeline.run`. Enqueue it with `singletonKey: pipeline:<workspace>` so a burst of
 * finished syncs collapses into one pass.
 *
 * @example
 * registerPipelineJobs(rt.jobs, rt);
 * await rt.jobs.enqueue(PIPELINE_JOB, { workspaceId: ws }, { singletonKey: `pipeline:${ws}` });
 */
export function registerPipelineJobs(runner: JobRunner, deps: ConnectionDeps): void {
  runner.register<PipelinePayload>(PIPELINE_JOB, async (payload, ctx) => {
    const result = await runPipeline(deps, payload.workspaceId, {
      ...(payload.sync === false ? { sync: false } : {}),
      trigger: payload.trigger ?? 'schedule',
      signal: ctx.signal,
      jobs: runner,
    });
    ctx.logger.info({ workspaceId: payload.workspaceId, ...result }, 'pipeline finished');
  });
}

/** Queue a pipeline pass after a sync finished, collapsing bursts (one per workspace at a time). */
export function enqueueAfterSync(runner: JobRunner, workspaceId: string): Promise<string | null> {
  return runner.enqueue<PipelinePayload>(
    PIPELINE_JOB,
    { workspaceId, sync: false, trigger: 'sync' },
    { singletonKey: `pipeline:${workspaceId}`, startAfterMs: 5_000 },
  );
}

async function connectedIntegrations(deps: ConnectionDeps, workspaceId: string): Promise<string[]> {
  const rows = await deps.db.kysely
    .selectFrom('connections')
    .select('integration')
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'connected')
    .orderBy('integration')
    .execute();
  return rows.map((r) => r.integration).filter((n) => deps.integrations.get(n));
}
