import stripe from '../../src/integrations/stripe/index.js';
import { executeRun, startSync } from '../../src/sync/index.js';
import { firstLine, spawnTs } from '../support/processes.js';
import { syncEnvironment } from '../support/sync-env.js';
import type { BenchSuite } from '../types.js';

/** Stripe's test-mode limit and its largest page: the ceiling is their product. */
const REQUESTS_PER_SECOND = 25;
const PAGE = 100;

interface SimInfo {
  url: string;
  apiKey: string;
  statsUrl: string;
  customers: number;
  subscriptions: number;
}
type Counters = { total: number; rateLimited: number };

/**
 * Backfill customers and their subscriptions from the Stripe simulator (its own process, enforcing
 * 25 requests/s with 429s) through the real client and sync engine into SQLite. The ceiling is
 * 25 × 100 records a second; the target is 90 % of it with at most 1 % of requests answered 429.
 */
export const stripeBackfill: BenchSuite = {
  name: 'stripe-backfill',
  description: `Stripe backfill of customers and subscriptions at the simulator's ${REQUESTS_PER_SECOND} requests/s`,
  async run(ctx) {
    const targetCustomers = Math.max(2_000, Math.round(20_000 * ctx.scale));
    // About two thirds of the dataset's companies have a Stripe customer.
    const companies = Math.ceil(targetCustomers / 0.66);
    ctx.log(`generating ${companies} companies (≈ ${targetCustomers} customers) in the simulator process`);
    const child = spawnTs('bench/sources/sim-process.ts', [JSON.stringify({ service: 'stripe', companies })]);
    const sim = await firstLine<SimInfo>(child);
    const env = await syncEnvironment(stripe, sim);
    try {
      const before = ((await (await fetch(sim.statsUrl)).json()) as { counters: Counters }).counters;
      const started = performance.now();
      const run = await startSync(env.deps, env.workspaceId, 'stripe', {
        trigger: 'manual',
        streams: ['customers', 'subscriptions'],
      });
      const done = await executeRun(env.deps, env.workspaceId, run.id);
      const seconds = (performance.now() - started) / 1000;
      const after = ((await (await fetch(sim.statsUrl)).json()) as { counters: Counters }).counters;
      if (done.status !== 'succeeded')
        throw new Error(`the backfill ended ${done.status}: ${done.error?.message}`);
      const records = done.counts.read;
      const requests = after.total - before.total;
      const limited = after.rateLimited - before.rateLimited;
      const ceiling = REQUESTS_PER_SECOND * PAGE;
      ctx.log(
        `${records} records (${sim.customers} customers, ${sim.subscriptions} subscriptions) in ${seconds.toFixed(1)} s, ${requests} requests, ${limited} answered 429`,
      );
      return [
        {
          metric: 'backfill rate, share of the 25 × 100 records/s ceiling',
          value: Math.round((records / seconds / ceiling) * 1000) / 10,
          unit: '%',
          target: { op: '>=', value: 90 },
          note: `${records} records in ${seconds.toFixed(1)} s = ${Math.round(records / seconds)} records/s`,
        },
        {
          metric: 'requests answered 429',
          value: Math.round((limited / Math.max(1, requests)) * 10_000) / 100,
          unit: '%',
          target: { op: '<=', value: 1 },
          note: `${limited} of ${requests} requests`,
        },
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
