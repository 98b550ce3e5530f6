import { type AuditActor, recordAudit } from '../audit/index.js';
import { type ConnectionDeps, connectionClient, openConnection, providerFor } from '../connections/index.js';
import { notFound } from '../core/errors.js';
import { keepBeating } from '../runs/index.js';
import {
  type EnrichmentPlan,
  type EnrichmentProvider,
  type EnrichmentSettings,
  type EnrichmentSource,
  type EnrichProgress,
  planEnrichment,
  runEnrichment,
} from './enrich.js';
import {
  beatEnrichmentRun,
  cachedEnrichments,
  claimEnrichmentRun,
  type EnrichmentRun,
  finishEnrichmentRun,
  getEnrichmentRun,
  listEnrichmentRuns,
  openEnrichmentRun,
  releaseEnrichmentRun,
} from './repository.js';
import { accountsEnrichmentSource } from './source.js';

/** What the enrichment service needs: the connection services (a Runtime satisfies them) and a source. */
export interface EnrichmentServiceDeps extends ConnectionDeps {
  /** Where the account domains come from. */
  enrichmentSource: EnrichmentSource;
}

/**
 * The enrichment service over the connection services, enriching the accounts' domains: what
 * the API and the CLI use.
 *
 * @example
 * const plan = await planEnrich(withAccountDomains(rt), ws);
 */
export const withAccountDomains = (deps: ConnectionDeps): EnrichmentServiceDeps => ({
  ...deps,
  enrichmentSource: accountsEnrichmentSource(deps.db.kysely),
});

/**
 * The integration whose `enrichment` capability serves this workspace: the workspace's choice
 * (`PUT /api/v1/providers/enrichment`) when several are connected, else the only connected one.
 *
 * @example
 * const name = await enrichmentIntegrationOf(rt, ws); // the connected provider's name
 */
export function enrichmentIntegrationOf(deps: ConnectionDeps, workspaceId: string): Promise<string> {
  return providerFor(deps, workspaceId, 'enrichment');
}

/** The workspace's enrichment provider, opened: its capability, client and spending settings. */
async function openProvider(deps: EnrichmentServiceDeps, workspaceId: string) {
  const open = await openConnection(deps, workspaceId, await enrichmentIntegrationOf(deps, workspaceId));
  const capability = open.integration.enrichment!;
  // Parsed with the integration's own schema: values set from the CLI or the environment are text.
  const s = open.integration.settings.safeParse(open.settings);
  const budget = capability.budget(s.success ? s.data : {});
  const settings: EnrichmentSettings = {
    ...(typeof budget.monthlyCreditCap === 'number' ? { monthlyCreditCap: budget.monthlyCreditCap } : {}),
    ...(typeof budget.freshnessDays === 'number' ? { freshnessDays: budget.freshnessDays } : {}),
  };
  const provider: EnrichmentProvider = {
    displayName: open.integration.displayName,
    capability,
    client: connectionClient(deps, open),
  };
  return { provider, settings, enrichDeps: { db: deps.db.kysely, clock: deps.clock, logger: deps.logger } };
}

/**
 * How many domains, calls and credits a run would spend now, before it spends any
 * (`beton enrich --plan`, `POST /api/v1/enrichment/plan`).
 *
 * @example
 * const plan = await planEnrich(rt, ws);
 * console.log(`${plan.toEnrich} domains, ${plan.calls} calls, ≤ ${plan.maxCredits} credits`);
 */
export async function planEnrich(deps: EnrichmentServiceDeps, workspaceId: string): Promise<EnrichmentPlan> {
  const { provider, settings, enrichDeps } = await openProvider(deps, workspaceId);
  return (await planEnrichment(enrichDeps, workspaceId, deps.enrichmentSource, provider.capability, settings))
    .plan;
}

/** How a run is executed, wherever it is (the CLI's process, or a worker's `enrich.run` job). */
export interface ExecuteEnrichRequest {
  signal?: AbortSignal;
  onProgress?: (p: EnrichProgress) => void;
  /**
   * When `signal` aborts, leave the run open for another process instead of closing it as
   * partial: a stopping worker hands it back and the next worker carries on.
   */
  leaveOpenOnAbort?: boolean;
}

/**
 * Open an enrichment run and record who asked, without executing it (409 `enrichment_running`
 * while another is open): the API does this, then queues the `enrich.run` job that executes it on
 * a worker (src/jobs). The run is `running` from here, with no heartbeat until a process takes it.
 *
 * @example
 * const runId = await openEnrich(rt, ws, { trigger: 'api', actor });
 */
export async function openEnrich(
  deps: EnrichmentServiceDeps,
  workspaceId: string,
  req: { trigger: string; actor: AuditActor },
): Promise<string> {
  const { settings, enrichDeps } = await openProvider(deps, workspaceId);
  const runId = await openEnrichmentRun(enrichDeps.db, workspaceId, {
    trigger: req.trigger,
    actorId: req.actor.actorId,
    creditCap: settings.monthlyCreditCap ?? null,
    now: deps.clock.now().toISOString(),
  });
  await recordAudit(deps.db, workspaceId, req.actor, 'enrichment.run', {
    targetType: 'enrichment_run',
    targetId: runId,
  });
  return runId;
}

/**
 * Start an enrichment run in this process: opens it at once (409 `enrichment_running` while
 * another runs), then enriches every domain without a fresh answer, within the monthly credit
 * cap. `done` resolves with the finished run and never rejects (a failure is the run's status and
 * error). The CLI awaits it; the API queues the run for a worker instead (`openEnrich`, then the
 * `enrich.run` job).
 *
 * @example
 * const { runId, done } = await startEnrich(rt, ws, { trigger: 'cli', actor });
 * const run = await done; // run.status: 'succeeded' | 'capped' | 'partial' | 'failed'
 */
export async function startEnrich(
  deps: EnrichmentServiceDeps,
  workspaceId: string,
  req: ExecuteEnrichRequest & { trigger: string; actor: AuditActor },
): Promise<{ runId: string; done: Promise<EnrichmentRun> }> {
  const runId = await openEnrich(deps, workspaceId, req);
  const done = executeEnrichRun(deps, workspaceId, runId, req);
  return { runId, done };
}

/**
 * Enrich for an open run (from `openEnrich`, or a job that carries its id): what the `enrich.run`
 * job handler calls. The run is claimed first, so two processes never execute it at once: a run
 * another live process holds is answered as it is (still `running`), and the caller may try
 * again later. A run whose process died carries on from the answers it paid for. Resolves with
 * the run; a failure is its status and error.
 *
 * @example
 * runner.register('enrich.run', (p, ctx) => executeEnrichRun(rt, p.workspaceId, p.runId, { signal: ctx.signal }).then(() => {}));
 */
export async function executeEnrichRun(
  deps: EnrichmentServiceDeps,
  workspaceId: string,
  runId: string,
  req: ExecuteEnrichRequest = {},
): Promise<EnrichmentRun> {
  const db = deps.db.kysely;
  const run = await getEnrichmentRun(db, workspaceId, runId);
  if (!run) throw notFound(`Enrichment run ${runId}`);
  if (run.status !== 'running') return run;
  const claimed = await claimEnrichmentRun(db, workspaceId, runId, deps.clock.now());
  if (!claimed) return (await getEnrichmentRun(db, workspaceId, runId)) ?? run;
  // Planning reads every account domain and the cache; the provider may make the run wait out its window.
  const heartbeat = keepBeating(() => beatEnrichmentRun(db, workspaceId, runId, deps.clock.now()), {
    logger: deps.logger.child({ runId }),
    what: 'enrichment',
  });
  let result: EnrichmentRun | undefined;
  try {
    const { provider, settings, enrichDeps } = await openProvider(deps, workspaceId);
    const { plan, pending } = await planEnrichment(
      enrichDeps,
      workspaceId,
      deps.enrichmentSource,
      provider.capability,
      settings,
    );
    // A resumed run keeps the totals it started with (its own answers count as fresh by now).
    const resumed = run.counts.calls > 0 || run.counts.domains > 0;
    result = await runEnrichment(enrichDeps, workspaceId, provider, runId, pending, settings, {
      ...(resumed ? {} : { totals: { domains: plan.domains, fresh: plan.fresh } }),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      ...(req.leaveOpenOnAbort ? { leaveOpenOnAbort: true } : {}),
    });
  } catch (error) {
    if (!(req.leaveOpenOnAbort && req.signal?.aborted)) {
      const message = error instanceof Error ? error.message : String(error);
      await finishEnrichmentRun(db, workspaceId, runId, {
        status: 'failed',
        error: message,
        now: deps.clock.now().toISOString(),
      });
    }
  } finally {
    await heartbeat.stop();
  }
  if (!result || result.status === 'running') {
    // Left open for the next process (a stopping worker): it may take it over at once.
    await releaseEnrichmentRun(db, workspaceId, runId, deps.clock.now());
  }
  return (await getEnrichmentRun(db, workspaceId, runId))!;
}

/**
 * Close a run whose job could not be queued (the job queue refused it): no process will take it,
 * so it must not hold the workspace. Best effort: the queue and the database fail together.
 */
export async function closeUnqueuedEnrich(
  deps: Pick<ConnectionDeps, 'db' | 'clock'>,
  workspaceId: string,
  runId: string,
  error: unknown,
): Promise<void> {
  const reason = error instanceof Error ? error.message : String(error);
  await finishEnrichmentRun(deps.db.kysely, workspaceId, runId, {
    status: 'failed',
    error: `Could not be queued for a worker (${reason}); start it again.`,
    now: deps.clock.now().toISOString(),
  }).catch(() => undefined);
}

export function listEnrichRuns(
  deps: Pick<ConnectionDeps, 'db'>,
  workspaceId: string,
  opts: { limit?: number; before?: string } = {},
): Promise<EnrichmentRun[]> {
  return listEnrichmentRuns(deps.db.kysely, workspaceId, opts);
}

export async function getEnrichRun(
  deps: Pick<ConnectionDeps, 'db'>,
  workspaceId: string,
  runId: string,
): Promise<EnrichmentRun> {
  const run = await getEnrichmentRun(deps.db.kysely, workspaceId, runId);
  if (!run) throw notFound(`Enrichment run ${runId}`);
  return run;
}

/**
 * The cached provider answer of each domain (whatever its age), for fit scoring: domains the
 * provider does not know map to `found: false`; domains never asked are absent. What an answer
 * means is the provider's `facts.firmographics`.
 *
 * @example
 * const firmographics = await enrichmentsFor(rt, ws, ['acme.com']);
 * firmographics.get('acme.com')?.found; // true, false, or undefined when never asked
 */
export function enrichmentsFor(
  deps: Pick<ConnectionDeps, 'db'>,
  workspaceId: string,
  domains: readonly string[],
) {
  return cachedEnrichments(deps.db.kysely, workspaceId, domains);
}
