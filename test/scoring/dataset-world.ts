import { putConnection } from '../../src/connections/index.js';
import { fixedClock } from '../../src/core/index.js';
import { runPipeline } from '../../src/jobs/index.js';
import { type BacktestRow, readBacktest } from '../../src/scoring/index.js';
import { loadSignals } from '../../src/signals/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { type RunningSimulators, startSimulators } from '../support/shipped-simulators.js';

/**
 * The synthetic world end to end, for the quality checks: the simulators over a generated dataset,
 * a workspace connected to PostHog and Stripe through the real integrations, one pipeline pass
 * (sync → score), then the backtest Beton computed — and, from the dataset's planted truth (which
 * only tests read), how the signals firing at "now" line up with the futures planted after it.
 */

export interface WorldRun {
  t: TestRuntime;
  sims: RunningSimulators;
  backtest: BacktestRow[];
  /** Signals active now vs the outcomes planted in the next 30 days. */
  truth: TruthRow[];
  close(): Promise<void>;
}

export interface TruthRow {
  signal: string;
  outcome: 'expansion' | 'churn';
  fired: number;
  hits: number;
  precision: number | null;
  baseRate: number | null;
  lift: number | null;
}

export async function scoreWorld(opts: { seed: string; companies: number; now: string }): Promise<WorldRun> {
  const sims = await startSimulators({ seed: opts.seed, companies: opts.companies, now: opts.now });
  const clock = fixedClock(sims.dataset.now);
  const t = await createTestRuntime({ clock, env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  try {
    const creds = sims.credentials();
    const actor = {
      workspaceId: t.workspaceId,
      audit: { actorType: 'system' as const, actorId: null },
      userId: null,
    };
    await putConnection(t.rt, actor, 'posthog', {
      credentials: { apiKey: creds.posthog.apiKey },
      settings: { baseUrl: creds.posthog.url, projectId: creds.posthog.projectId },
    });
    await putConnection(t.rt, actor, 'stripe', {
      credentials: { apiKey: creds.stripe.apiKey },
      settings: { baseUrl: creds.stripe.url },
    });
    const result = await runPipeline(t.rt, t.workspaceId, { trigger: 'test' });
    if (!result.scored || result.synced.some((s) => s.status !== 'succeeded')) {
      throw new Error(`pipeline did not complete: ${JSON.stringify(result)}`);
    }
    const backtest = (await readBacktest(t.rt.db.kysely, t.workspaceId)).rows;
    const truth = await truthTable(t, sims);
    return {
      t,
      sims,
      backtest,
      truth,
      close: async () => {
        await t.close();
        await sims.close();
      },
    };
  } catch (error) {
    await t.close();
    await sims.close();
    throw error;
  }
}

/** Signals active at "now" (open occurrences) against the planted futures, per outcome class. */
async function truthTable(t: TestRuntime, sims: RunningSimulators): Promise<TruthRow[]> {
  const db = t.rt.db.kysely;
  const accounts = await db
    .selectFrom('accounts')
    .select(['id', 'domain', 'history_json'])
    .where('workspace_id', '=', t.workspaceId)
    .execute();
  const domainOf = new Map(accounts.map((a) => [a.id, a.domain]));
  const futures = new Map<string, Set<'expansion' | 'churn'>>();
  for (const f of sims.dataset.truth.futures) {
    const cls = f.kind === 'churn' ? 'churn' : 'expansion';
    if (!futures.has(f.domain)) futures.set(f.domain, new Set());
    futures.get(f.domain)!.add(cls);
  }
  // Churn is possible only for paying companies: the dataset's paid plans at now.
  const paying = new Set(
    sims.dataset.companies
      .filter((c) => c.plan !== 'free' && !c.trial?.status.startsWith('active'))
      .map((c) => c.domain),
  );
  const open = await db
    .selectFrom('signal_occurrences')
    .select(['account_id', 'signal_key'])
    .where('workspace_id', '=', t.workspaceId)
    .where('open', '=', 1)
    .execute();
  const firedBy = new Map<string, Set<string>>();
  for (const o of open) {
    if (!firedBy.has(o.signal_key)) firedBy.set(o.signal_key, new Set());
    firedBy.get(o.signal_key)!.add(domainOf.get(o.account_id)!);
  }
  const rows: TruthRow[] = [];
  for (const signal of (await loadSignals(db, t.workspaceId)).map((s) => s.key)) {
    for (const outcome of ['expansion', 'churn'] as const) {
      const units = accounts.map((a) => a.domain).filter((d) => outcome === 'expansion' || paying.has(d));
      const fired = units.filter((d) => firedBy.get(signal)?.has(d));
      const others = units.filter((d) => !firedBy.get(signal)?.has(d));
      const hit = (d: string) => futures.get(d)?.has(outcome) ?? false;
      const hits = fired.filter(hit).length;
      const precision = fired.length > 0 ? hits / fired.length : null;
      const baseRate = others.length > 0 ? others.filter(hit).length / others.length : null;
      rows.push({
        signal,
        outcome,
        fired: fired.length,
        hits,
        precision,
        baseRate,
        lift: precision !== null && baseRate ? precision / baseRate : null,
      });
    }
  }
  return rows;
}

export const formatRows = (rows: (BacktestRow | TruthRow)[]) =>
  rows
    .map((r) => {
      const fired = 'firedUnits' in r ? r.firedUnits : r.fired;
      const hits = 'firedHits' in r ? r.firedHits : r.hits;
      const lead = 'medianLeadDays' in r ? ` lead ${r.medianLeadDays ?? '-'}d` : '';
      return `${r.signal.padEnd(24)} ${r.outcome.padEnd(9)} fired ${String(fired).padStart(5)} hits ${String(hits).padStart(4)} precision ${(r.precision ?? 0).toFixed(3)} base ${(r.baseRate ?? 0).toFixed(3)} lift ${r.lift === null ? '  -  ' : r.lift.toFixed(2)}${lead}`;
    })
    .join('\n');
