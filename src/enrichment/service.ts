import { type AuditActor, recordAudit } from '../audit/index.js';
import { type ConnectionDeps, connectionClient, openConnection } from '../connections/index.js';
import { notFound } from '../core/errors.js';
import type { ApolloClient, ApolloOrganization } from '../integrations/apollo/index.js';
import {
  type EnrichmentPlan,
  type EnrichmentSettings,
  type EnrichmentSource,
  type EnrichProgress,
  planEnrichment,
  runEnrichment,
} from './enrich.js';
import {
  cachedEnrichments,
  type EnrichmentRun,
  finishEnrichmentRun,
  getEnrichmentRun,
  listEnrichmentRuns,
  openEnrichmentRun,
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

async function openApollo(deps: EnrichmentServiceDeps, workspaceId: string) {
  const open = await openConnection(deps, workspaceId, 'apollo');
  // Parsed with the integration's own schema: values set from the CLI or the environment are text.
  const s = open.integration.settings.safeParse(open.settings);
  const parsed = (s.success ? s.data : {}) as EnrichmentSettings;
  const settings: EnrichmentSettings = {
    ...(typeof parsed.monthlyCreditCap === 'number' ? { monthlyCreditCap: parsed.monthlyCreditCap } : {}),
    ...(typeof parsed.freshnessDays === 'number' ? { freshnessDays: parsed.freshnessDays } : {}),
  };
  return {
    client: connectionClient(deps, open) as ApolloClient,
    settings,
    enrichDeps: { db: deps.db.kysely, clock: deps.clock, logger: deps.logger },
  };
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
  const { settings, enrichDeps } = await openApollo(deps, workspaceId);
  return (await planEnrichment(enrichDeps, workspaceId, deps.enrichmentSource, settings)).plan;
}

/**
 * Start an enrichment run: opens it at once (409 `enrichment_running` while another runs), then
 * enriches every domain without a fresh answer, within the monthly credit cap. `done` resolves with
 * the finished run and never rejects (a failure is the run's status and error).
 *
 * @example
 * const { runId, done } = await startEnrich(rt, ws, { trigger: 'cli', actor });
 * const run = await done; // run.status: 'succeeded' | 'capped' | 'partial' | 'failed'
 */
export async function startEnrich(
  deps: EnrichmentServiceDeps,
  workspaceId: string,
  req: { trigger: string; actor: AuditActor; signal?: AbortSignal; onProgress?: (p: EnrichProgress) => void },
): Promise<{ runId: string; done: Promise<EnrichmentRun> }> {
  const { settings, enrichDeps } = await openApollo(deps, workspaceId);
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
  const done = executeEnrichRun(deps, workspaceId, runId, req);
  return { runId, done };
}

/**
 * Enrich for a run opened by `startEnrich` (or by a job that carries its id): what an
 * `enrich.run` job handler calls. Resolves with the finished run; a failure is its status and error.
 *
 * @example
 * runner.register('enrich.run', (p, ctx) => executeEnrichRun(rt, p.workspaceId, p.runId, { signal: ctx.signal }).then(() => {}));
 */
export async function executeEnrichRun(
  deps: EnrichmentServiceDeps,
  workspaceId: string,
  runId: string,
  req: { signal?: AbortSignal; onProgress?: (p: EnrichProgress) => void } = {},
): Promise<EnrichmentRun> {
  const db = deps.db.kysely;
  const run = await getEnrichmentRun(db, workspaceId, runId);
  if (!run) throw notFound(`Enrichment run ${runId}`);
  if (run.status !== 'running') return run;
  try {
    const { client, settings, enrichDeps } = await openApollo(deps, workspaceId);
    const { plan, pending } = await planEnrichment(enrichDeps, workspaceId, deps.enrichmentSource, settings);
    return await runEnrichment(enrichDeps, workspaceId, client, runId, pending, settings, {
      totals: { domains: plan.domains, fresh: plan.fresh },
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await finishEnrichmentRun(db, workspaceId, runId, {
      status: 'failed',
      error: message,
      now: deps.clock.now().toISOString(),
    });
    return (await getEnrichmentRun(db, workspaceId, runId))!;
  }
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
 * The cached Apollo organization of each domain (whatever its age), for fit scoring: domains
 * Apollo does not know map to `found: false`; domains never asked are absent.
 *
 * @example
 * const firmographics = await enrichmentsFor(rt, ws, ['acme.com']);
 * firmographics.get('acme.com')?.organization?.industry;
 */
export function enrichmentsFor(
  deps: Pick<ConnectionDeps, 'db'>,
  workspaceId: string,
  domains: readonly string[],
) {
  return cachedEnrichments<ApolloOrganization>(deps.db.kysely, workspaceId, domains);
}
