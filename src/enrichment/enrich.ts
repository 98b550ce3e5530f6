import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { PermissionError } from '../core/http/index.js';
import type { Logger } from '../core/logger.js';
import type { DB } from '../db/schema/index.js';
import {
  APOLLO_BULK_SIZE,
  type ApolloClient,
  ApolloWindowExhaustedError,
  bareDomain,
  DEFAULT_FRESHNESS_DAYS,
} from '../integrations/apollo/index.js';
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

/** The Apollo connection's settings that govern spending. */
export interface EnrichmentSettings {
  /** Most credits a calendar month (UTC) may spend; undefined = no cap. */
  monthlyCreditCap?: number | undefined;
  freshnessDays?: number | undefined;
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
  /** Domains a run would ask Apollo about. */
  toEnrich: number;
  /** Calls that takes, 10 domains a call. */
  calls: number;
  /** At most this many credits: 1 per company found, 0 for a domain Apollo does not know. */
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
async function collectDomains(source: EnrichmentSource, workspaceId: string) {
  const valid = new Set<string>();
  let invalid = 0;
  for await (const batch of source.domains(workspaceId)) {
    for (const raw of batch) {
      const d = bareDomain(raw ?? '');
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
 * const { plan } = await planEnrichment(deps, ws, source, { monthlyCreditCap: 500 });
 * plan.calls; // 42
 */
export async function planEnrichment(
  deps: EnrichmentDeps,
  workspaceId: string,
  source: EnrichmentSource,
  settings: EnrichmentSettings,
): Promise<{ plan: EnrichmentPlan; pending: string[] }> {
  const now = deps.clock.now();
  const freshnessDays = settings.freshnessDays ?? DEFAULT_FRESHNESS_DAYS;
  const { domains, invalid } = await collectDomains(source, workspaceId);
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
      calls: Math.ceil(pending.length / APOLLO_BULK_SIZE),
      maxCredits: pending.length,
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

/** Apollo's 403 in words a user can act on. */
function planRefusal(error: PermissionError): AppError {
  return new AppError(
    403,
    'apollo_plan',
    `Apollo refused organization enrichment for this key: ${error.upstreamMessage ?? `it answered ${error.upstreamStatus}`}. The key's Apollo plan does not include API access to bulk organization enrichment (API_INACCESSIBLE): upgrade the Apollo plan, or connect a key from a plan that includes it.`,
  );
}

/**
 * Enrich the pending domains 10 at a time, never spending past the monthly cap: each call asks
 * for at most as many domains as credits remain (a domain costs at most 1). Every answer is cached
 * with its credits in one transaction, so stopping anywhere loses nothing paid for. When the cap
 * is reached the run stops with status `capped` and says how many domains wait for next month.
 *
 * @example
 * const run = await runEnrichment(deps, ws, apollo, runId, pending, { monthlyCreditCap: 500 });
 * run.status; // 'succeeded' | 'capped' | 'partial' | 'failed'
 */
export async function runEnrichment(
  deps: EnrichmentDeps,
  workspaceId: string,
  client: ApolloClient,
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
      let size = APOLLO_BULK_SIZE;
      if (cap !== undefined) {
        const used = (await monthUsage(deps.db, workspaceId, monthOf(now()))).credits;
        size = Math.min(size, cap - used);
        if (size <= 0) {
          status = 'capped';
          error = `The monthly Apollo credit cap (${cap}) is reached: ${used} credits spent in ${monthOf(now())}. ${pending.length - next} domains were not enriched; raise monthlyCreditCap in the Apollo settings or run again next month.`;
          break;
        }
      }
      const batch = pending.slice(next, next + size);
      const answers = await client.bulkEnrichOrganizations(batch, opts.signal);
      const results = batch.map((domain) => ({ domain, organization: answers.get(domain) ?? null }));
      const credits = results.filter((r) => r.organization !== null).length;
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
    const reason = e instanceof PermissionError ? planRefusal(e) : e;
    status = next > 0 && e instanceof ApolloWindowExhaustedError ? 'partial' : 'failed';
    error = reason instanceof Error ? reason.message : String(reason);
    deps.logger.warn({ runId, error }, 'enrichment stopped');
  }
  await finishEnrichmentRun(deps.db, workspaceId, runId, { status, error, now: now() });
  return (await getEnrichmentRun(deps.db, workspaceId, runId))!;
}
