import posthog, { QUERY_MAX_ROWS } from '../../src/integrations/posthog/index.js';
import { executeRun, startSync } from '../../src/sync/index.js';
import { firstLine, spawnTs } from '../support/processes.js';
import { syncEnvironment } from '../support/sync-env.js';
import type { BenchSuite } from '../types.js';

/** PostHog's query endpoint allows 2,400 calls an hour. */
const QUERY_BUDGET_PER_HOUR = 2_400;

interface SimInfo {
  url: string;
  apiKey: string;
  projectId: number;
  statsUrl: string;
}
type Stats = {
  counters: { total: number; rateLimited: number };
  queries: { executed: number; rowsReturned: number };
};

/**
 * Daily usage aggregates for N companies × 180 days, read through HogQL from the PostHog simulator
 * (its own process) into SQLite: how many query calls the backfill spends against the hourly
 * budget, and how many rows each call carries.
 */
export const posthogUsage: BenchSuite = {
  name: 'posthog-usage',
  description:
    'PostHog usage aggregates (companies × 180 days) through HogQL: query calls against the 2,400/hour budget',
  async run(ctx) {
    const companies = Math.max(500, Math.round(20_000 * ctx.scale));
    ctx.log(`generating ${companies} companies × 180 days in the simulator process`);
    const child = spawnTs('bench/sources/sim-process.ts', [
      JSON.stringify({ service: 'posthog', companies }),
    ]);
    const sim = await firstLine<SimInfo>(child);
    const env = await syncEnvironment(posthog, sim, { projectId: sim.projectId });
    try {
      const stats = async () => (await (await fetch(sim.statsUrl)).json()) as Stats;
      const before = await stats();
      const started = performance.now();
      const run = await startSync(env.deps, env.workspaceId, 'posthog', {
        trigger: 'manual',
        streams: ['usage_daily'],
      });
      const done = await executeRun(env.deps, env.workspaceId, run.id);
      const seconds = (performance.now() - started) / 1000;
      const after = await stats();
      if (done.status !== 'succeeded')
        throw new Error(`the usage sync ended ${done.status}: ${done.error?.message}`);
      const calls = after.queries.executed - before.queries.executed;
      const rows = done.counts.read;
      ctx.log(
        `${rows} usage rows in ${calls} query calls, ${seconds.toFixed(1)} s, ${after.counters.rateLimited - before.counters.rateLimited} answered 429`,
      );
      return [
        {
          metric: `query calls for ${companies} companies × 180 days`,
          value: calls,
          unit: 'calls',
          target: { op: '<=', value: QUERY_BUDGET_PER_HOUR },
          note: `${Math.round((calls / QUERY_BUDGET_PER_HOUR) * 1000) / 10} % of one hour's 2,400-call budget`,
        },
        {
          metric: 'usage rows per query call',
          value: Math.round(rows / Math.max(1, calls)),
          unit: 'rows',
          note: `${rows} rows; at most ${QUERY_MAX_ROWS} a call`,
        },
        { metric: 'usage backfill time', value: Math.round(seconds * 10) / 10, unit: 's' },
      ];
    } finally {
      await env.close();
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      });
    }
  },
};
