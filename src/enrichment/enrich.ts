import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { DB } from '../db/schema/index.js';
import type { EnrichmentBudget, EnrichmentCapability } from '../integrations/index.js';
import {
  cachedEnrichments,
  type EnrichmentRun,
  type EnrichmentRunStatus,
  finishEnrichmentRun,
  getEnrichmentRun,
  monthOf,
  monthUsage,
  recordCall,
  setRunTotals,
} from './repository.js';

/** Where the domains to enrich come from (the accounts, once they exist). */
export interface EnrichmentSource {
  domains(workspaceId: string): AsyncIterable<string[]>;
}

/** The provider connection's settings that govern spending. */
export type EnrichmentSettings = EnrichmentBudget;

/** The integration that answers, as the engine sees it: its capability, client and name. */
export interface EnrichmentProvider {
  /** The integration's display name, for messages. */
  displayName: string;
  capability: EnrichmentCapability;
  client: unknown;
}

export interface EnrichmentDeps {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
}

/** What a run would do, before it spends anything (`beton enrich --plan`). */
export interface EnrichmentPlan {
  /** Distinct valid domains the accounts have. */
  domains: number;
  /** Values that are not domains (skipped). */
  invalid: number;
  /** Domains answered within the freshness window: no call, no credit. */
  fresh: number;
  /** Domains a run would ask the provider about. */
  toEnrich: number;
  /** Calls that takes, the provider's batch size a call. */
  calls: number;
  /** At most this many credits: what every domain costs if the provider knows each company. */
  maxCredits: number;
  freshnessDays: number;
  month: string;
  creditsUsedThisMonth: number;
  monthlyCreditCap: number | null;
  /** Credits left under the cap this month (null = no cap). */
  creditsAvailable: number | null;
  /** True when the cap may stop the run before every domain is enriched. */
  mayHitCap: boolean;
}

const VALID_DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const DAY_MS = 86_400_000;

/** Domains to enrich, deduplicated and normalised; the rest counted as invalid. */
async function collectDomains(
  source: EnrichmentSource,
  workspaceId: string,
  normalize: (raw: string) => string,
) {
  const valid = new Set<string>();
  let invalid = 0;
  for await (const batch of source.domains(workspaceId)) {
    for (const raw of batch) {
      const d = normalize(raw ?? '');
      if (VALID_DOMAIN.test(d)) valid.add(d);
      else invalid += 1;
    }
  }
  return { domains: [...valid].sort(), invalid };
}

/**
 * What an enrichment run would spend, and the domains it would ask for: every distinct account
 * domain without a fresh cached answer.
 *
 * @example
 * const { plan } = await planEnrichment(deps, ws, source, provider.capability, { monthlyCreditCap: 500 });
 * plan.calls; // 42
 */
export async function planEnrichment(
  deps: EnrichmentDeps,
  workspaceId: string,
  source: EnrichmentSource,
  capability: EnrichmentCapability,
  settings: EnrichmentSettings,
): Promise<{ plan: EnrichmentPlan; pending: string[] }> {
  const now = deps.clock.now();
  const freshnessDays = settings.freshnessDays ?? capability.defaultFreshnessDays;
  const { domains, invalid } = await collectDomains(source, workspaceId, capability.normalizeDomain);
  const freshSince = new Date(now.getTime() - freshnessDays * DAY_MS).toISOString();
  const cached = await cachedEnrichments(deps.db, workspaceId, domains, freshSince);
  const pending = domains.filter((d) => !cached.has(d));
  const month = monthOf(now.toISOString());
  const used = (await monthUsage(deps.db, workspaceId, month)).credits;
  const cap = settings.monthlyCreditCap ?? null;
  const available = cap === null ? null : Math.max(0, cap - used);
  return {
    pending,
    plan: {
      domains: domains.length,
      invalid,
      fresh: cached.size,
      toEnrich: pending.length,
      calls: Math.ceil(pending.length / capability.batchSize),
      maxCredits: pending.length * Math.max(capability.credits.perFound, capability.credits.perNotFound),
      freshnessDays,
      month,
      creditsUsedThisMonth: used,
      monthlyCreditCap: cap,
      creditsAvailable: available,
      mayHitCap: available !== null && pending.length > available,
    },
  };
}

export interface EnrichProgress {
  total: number;
  requested: number;
  calls: number;
  credits: number;
}

/**
 * Enrich the pending domains a batch at a time, never spending past the monthly cap: each call asks
 * for at most as many domains as the credits left can pay for at the most a domain costs. Every
 * answer is cached with its credits in one transaction, so stopping anywhere loses nothing paid
 * for. When the cap is reached the run stops with status `capped` and says how many domains wait
 * for next month.
 *
 * @example
 * const run = await runEnrichment(deps, ws, provider, runId, pending, { monthlyCreditCap: 500 });
 * run.status; // 'succeeded' | 'capped' | 'partial' | 'failed'
 */
export async function runEnrichment(
  deps: EnrichmentDeps,
  workspaceId: string,
  provider: EnrichmentProvider,
  runId: string,
  pending: readonly string[],
  settings: EnrichmentSettings,
  opts: {
    totals?: { domains: number; fresh: number };
    signal?: AbortSignal;
    onProgress?: (p: EnrichProgress) => void;
    /**
     * When the signal aborts, leave the run open instead of closing it as partial (a stopping
     * worker hands it back; the next one carries on from the cached answers).
     */
    leaveOpenOnAbort?: boolean;
  } = {},
): Promise<EnrichmentRun> {
  const now = () => deps.clock.now().toISOString();
  if (opts.totals) await setRunTotals(deps.db, workspaceId, runId, opts.totals);
  const cap = settings.monthlyCreditCap;
  const { capability, displayName } = provider;
  const costs = capability.credits;
  const maxCost = Math.max(costs.perFound, costs.perNotFound);
  const progress: EnrichProgress = { total: pending.length, requested: 0, calls: 0, credits: 0 };
  let status: Exclude<EnrichmentRunStatus, 'running'> = 'succeeded';
  let error: string | null = null;
  let next = 0;
  try {
    while (next < pending.length) {
      if (opts.signal?.aborted) {
        if (opts.leaveOpenOnAbort) return (await getEnrichmentRun(deps.db, workspaceId, runId))!;
        status = 'partial';
        error = `Canceled after ${next} of ${pending.length} domains; run enrichment again for the rest.`;
        break;
      }
      let size = capability.batchSize;
      if (cap !== undefined) {
        const used = (await monthUsage(deps.db, workspaceId, monthOf(now()))).credits;
        if (maxCost > 0) size = Math.min(size, Math.floor((cap - used) / maxCost));
        if (size <= 0) {
          status = 'capped';
          error = `The monthly ${displayName} credit cap (${cap}) is reached: ${used} credits spent in ${monthOf(now())}. ${pending.length - next} domains were not enriched; raise monthlyCreditCap in the ${displayName} settings or run again next month.`;
          break;
        }
      }
      const batch = pending.slice(next, next + size);
      const answers = await capability.lookup(provider.client, batch, opts.signal);
      const results = batch.map((domain) => ({ domain, organization: answers.get(domain) ?? null }));
      const found = results.filter((r) => r.organization !== null).length;
      const credits = found * costs.perFound + (results.length - found) * costs.perNotFound;
      await recordCall(deps.db, workspaceId, { runId, results, credits, now: now() });
      next += batch.length;
      progress.requested = next;
      progress.calls += 1;
      progress.credits += credits;
      opts.onProgress?.({ ...progress });
    }
  } catch (e) {
    if (opts.leaveOpenOnAbort && opts.signal?.aborted)
      return (await getEnrichmentRun(deps.db, workspaceId, runId))!;
    const failure = capability.describeFailure?.(e) ?? { error: e, temporary: false };
    status = next > 0 && failure.temporary ? 'partial' : 'failed';
    error = failure.error instanceof Error ? failure.error.message : String(failure.error);
    deps.logger.warn({ runId, error }, 'enrichment stopped');
  }
  await finishEnrichmentRun(deps.db, workspaceId, runId, { status, error, now: now() });
  return (await getEnrichmentRun(deps.db, workspaceId, runId))!;
}
