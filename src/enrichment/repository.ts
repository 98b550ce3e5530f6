import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { conflict } from '../core/errors.js';
import { fromJson, toJson } from '../db/json.js';
import type { DB, EnrichmentRunsTable } from '../db/schema/index.js';
import {
  beatRun,
  claimRun,
  enrichmentRunLease,
  leaseExpired,
  orphanedRuns,
  QUEUED_RUN_MS,
  releaseRun,
} from '../runs/index.js';

/**
 * Storage of enrichment: the per-domain cache, credits spent per month, and runs. Every function
 * takes the workspace id first. A call's cache rows and the credits it spent commit together, so
 * a crash never forgets a paid answer (and never pays for it again).
 */

type Db = Kysely<DB>;

export interface CachedEnrichment<T = unknown> {
  domain: string;
  found: boolean;
  organization: T | null;
  fetchedAt: string;
}

export type EnrichmentRunStatus = 'running' | 'succeeded' | 'partial' | 'capped' | 'failed';

export interface EnrichmentRun {
  id: string;
  status: EnrichmentRunStatus;
  trigger: string;
  actorId: string | null;
  startedAt: string;
  finishedAt: string | null;
  counts: {
    domains: number;
    fresh: number;
    requested: number;
    calls: number;
    creditsSpent: number;
    found: number;
    notFound: number;
  };
  creditCap: number | null;
  error: string | null;
}

/** `2025-05` for an ISO time: the calendar month (UTC) credits are counted in. */
export const monthOf = (iso: string) => iso.slice(0, 7);

function toRun(row: EnrichmentRunsTable): EnrichmentRun {
  return {
    id: row.id,
    status: row.status as EnrichmentRunStatus,
    trigger: row.trigger,
    actorId: row.actor_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    counts: {
      domains: row.domains_total,
      fresh: row.domains_fresh,
      requested: row.domains_requested,
      calls: row.calls,
      creditsSpent: row.credits_spent,
      found: row.found,
      notFound: row.not_found,
    },
    creditCap: row.credit_cap,
    error: row.error,
  };
}

/** Cached answers for these domains fetched at or after `freshSince` (all of them when omitted). */
export async function cachedEnrichments<T = unknown>(
  db: Db,
  workspaceId: string,
  domains: readonly string[],
  freshSince?: string,
): Promise<Map<string, CachedEnrichment<T>>> {
  const out = new Map<string, CachedEnrichment<T>>();
  for (let i = 0; i < domains.length; i += 500) {
    let q = db
      .selectFrom('enrichment_cache')
      .select(['domain', 'found', 'organization_json', 'fetched_at'])
      .where('workspace_id', '=', workspaceId)
      .where('domain', 'in', domains.slice(i, i + 500));
    if (freshSince) q = q.where('fetched_at', '>=', freshSince);
    for (const r of await q.execute()) {
      out.set(r.domain, {
        domain: r.domain,
        found: r.found === 1,
        organization: fromJson<T | null>(r.organization_json, null),
        fetchedAt: r.fetched_at,
      });
    }
  }
  return out;
}

/** Credits and calls spent this calendar month. */
export async function monthUsage(
  db: Db,
  workspaceId: string,
  month: string,
): Promise<{ credits: number; calls: number }> {
  const row = await db
    .selectFrom('enrichment_usage')
    .select(['credits', 'calls'])
    .where('workspace_id', '=', workspaceId)
    .where('month', '=', month)
    .executeTakeFirst();
  return { credits: row?.credits ?? 0, calls: row?.calls ?? 0 };
}

/**
 * One call's answers: cache rows, the month's usage and the run's counters, in one transaction.
 */
export async function recordCall(
  db: Db,
  workspaceId: string,
  input: {
    runId: string;
    results: { domain: string; organization: unknown | null }[];
    credits: number;
    now: string;
  },
): Promise<void> {
  const found = input.results.filter((r) => r.organization !== null).length;
  await db.transaction().execute(async (trx) => {
    for (const r of input.results) {
      const values = {
        found: r.organization !== null ? 1 : 0,
        organization_json: r.organization !== null ? toJson(r.organization) : null,
        fetched_at: input.now,
        run_id: input.runId,
      };
      await trx
        .insertInto('enrichment_cache')
        .values({ workspace_id: workspaceId, domain: r.domain, ...values })
        .onConflict((oc) => oc.columns(['workspace_id', 'domain']).doUpdateSet(values))
        .execute();
    }
    // Their fit may have changed: the next (incremental) score run looks at these accounts again.
    if (input.results.length > 0) {
      await trx
        .updateTable('accounts')
        .set({ touched_at: input.now })
        .where('workspace_id', '=', workspaceId)
        .where(
          'domain',
          'in',
          input.results.map((r) => r.domain),
        )
        .execute();
    }
    const month = monthOf(input.now);
    await trx
      .insertInto('enrichment_usage')
      .values({ workspace_id: workspaceId, month, credits: input.credits, calls: 1 })
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'month']).doUpdateSet((eb) => ({
          credits: eb('enrichment_usage.credits', '+', input.credits),
          calls: eb('enrichment_usage.calls', '+', 1),
        })),
      )
      .execute();
    await trx
      .updateTable('enrichment_runs')
      .set((eb) => ({
        calls: eb('calls', '+', 1),
        credits_spent: eb('credits_spent', '+', input.credits),
        domains_requested: eb('domains_requested', '+', input.results.length),
        found: eb('found', '+', found),
        not_found: eb('not_found', '+', input.results.length - found),
        heartbeat_at: input.now,
      }))
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', input.runId)
      .execute();
  });
}

/**
 * Open a run; 409 `enrichment_running` while another is active (a dead one is closed first). The
 * run opens queued (`heartbeat_at` null): the process that executes it claims it first.
 */
export async function openEnrichmentRun(
  db: Db,
  workspaceId: string,
  input: { trigger: string; actorId: string | null; creditCap: number | null; now: string },
): Promise<string> {
  const id = `er_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await db
        .insertInto('enrichment_runs')
        .values({
          id,
          workspace_id: workspaceId,
          status: 'running',
          trigger: input.trigger,
          actor_id: input.actorId,
          started_at: input.now,
          finished_at: null,
          heartbeat_at: null,
          domains_total: 0,
          domains_fresh: 0,
          domains_requested: 0,
          calls: 0,
          credits_spent: 0,
          found: 0,
          not_found: 0,
          credit_cap: input.creditCap,
          error: null,
          active_lock: 'enrich',
        })
        .execute();
      return id;
    } catch (error) {
      const e = error as { code?: string; message?: string };
      if (!(e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? ''))) throw error;
      const active = await db
        .selectFrom('enrichment_runs')
        .select(['id', 'heartbeat_at', 'started_at'])
        .where('workspace_id', '=', workspaceId)
        .where('active_lock', '=', 'enrich')
        .executeTakeFirst();
      if (!active) continue;
      const queued = active.heartbeat_at === null;
      if (!leaseExpired(active.heartbeat_at, active.started_at, input.now)) {
        throw conflict(
          `An enrichment run is already ${queued ? 'queued' : 'going'} (run ${active.id}); wait for it to finish.`,
          { runId: active.id },
          'enrichment_running',
        );
      }
      await finishEnrichmentRun(db, workspaceId, active.id, {
        status: 'failed',
        error: queued
          ? `Not started: no worker took it within ${QUEUED_RUN_MS / 60_000} minutes (is \`beton worker\` running, or \`beton serve\` without --no-worker?); a newer run replaced it.`
          : 'Interrupted: the process running it stopped. Paid answers were kept; run enrichment again for the rest.',
        now: input.now,
      });
    }
  }
  throw conflict(
    'An enrichment run is already going; wait for it to finish.',
    undefined,
    'enrichment_running',
  );
}

/**
 * Take an open run to execute it: true when no process had taken it, or the one that had stopped
 * beating (its paid answers are cached: the run carries on from them).
 */
export async function claimEnrichmentRun(
  db: Db,
  workspaceId: string,
  runId: string,
  now: Date,
): Promise<boolean> {
  return (await claimRun(db, enrichmentRunLease, workspaceId, runId, { now })) !== null;
}

export async function beatEnrichmentRun(db: Db, workspaceId: string, runId: string, now: Date) {
  await beatRun(db, enrichmentRunLease, workspaceId, runId, now);
}

/** Hand a run back to the queue (a stopping worker): the next process to claim it carries on at once. */
export async function releaseEnrichmentRun(db: Db, workspaceId: string, runId: string, now: Date) {
  await releaseRun(db, enrichmentRunLease, workspaceId, runId, now);
}

/**
 * Open runs no process has taken yet, or whose process stopped beating: what the worker's schedule
 * hands back to the job runner. A system-level query over every workspace.
 */
export function orphanedEnrichmentRuns(db: Db, now: Date): Promise<{ id: string; workspaceId: string }[]> {
  return orphanedRuns(db, enrichmentRunLease, { now });
}

export async function setRunTotals(
  db: Db,
  workspaceId: string,
  runId: string,
  totals: { domains: number; fresh: number },
): Promise<void> {
  await db
    .updateTable('enrichment_runs')
    .set({ domains_total: totals.domains, domains_fresh: totals.fresh })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
}

export async function finishEnrichmentRun(
  db: Db,
  workspaceId: string,
  runId: string,
  input: { status: Exclude<EnrichmentRunStatus, 'running'>; error?: string | null; now: string },
): Promise<void> {
  await db
    .updateTable('enrichment_runs')
    .set({ status: input.status, error: input.error ?? null, finished_at: input.now, active_lock: null })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .execute();
}

export async function getEnrichmentRun(
  db: Db,
  workspaceId: string,
  runId: string,
): Promise<EnrichmentRun | undefined> {
  const row = await db
    .selectFrom('enrichment_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', runId)
    .executeTakeFirst();
  return row ? toRun(row) : undefined;
}

export async function listEnrichmentRuns(
  db: Db,
  workspaceId: string,
  opts: { limit?: number; before?: string } = {},
): Promise<EnrichmentRun[]> {
  let q = db.selectFrom('enrichment_runs').selectAll().where('workspace_id', '=', workspaceId);
  if (opts.before) q = q.where('started_at', '<', opts.before);
  const rows = await q
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit ?? 50)
    .execute();
  return rows.map(toRun);
}
