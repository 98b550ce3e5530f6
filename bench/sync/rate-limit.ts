import { makeTestkit } from '../../test/support/testkit-integration/integration.js';
import { startSimulatorProcess } from '../support/processes.js';
import { runSeconds, syncEnvironment } from '../support/sync-env.js';
import type { BenchSuite } from '../types.js';

const RATE = 20;
const PAGE = 100;

export const syncRateLimit: BenchSuite = {
  name: 'sync-rate-limit',
  description: `throughput against a simulator enforcing ${RATE} requests/s (fixed one-second windows)`,
  async run(ctx) {
    const pages = Math.max(40, Math.round(300 * ctx.scale));
    const count = pages * PAGE;
    const sim = await startSimulatorProcess({ items: count, ratePerSecond: RATE });
    try {
      // The definition declares the service's published limit; the client paces itself to it.
      const env = await syncEnvironment(makeTestkit({ rateLimit: { perSecond: RATE } }), sim, {
        pageSize: PAGE,
      });
      const before = await sim.stats();
      const run = await env.sync();
      const after = await sim.stats();
      await env.close();
      if (run.status !== 'succeeded') throw new Error(`sync ended ${run.status}: ${run.error?.message}`);
      const throughput = count / runSeconds(run);
      const requests = after.requests - before.requests - 1; // minus the /__stats call itself
      const limited = after.rateLimited - before.rateLimited;
      ctx.log(
        `${Math.round(throughput)} rec/s of ${RATE * PAGE} ceiling; ${limited}/${requests} answered 429`,
      );
      return [
        {
          metric: 'throughput vs ceiling',
          value: Math.round((throughput / (RATE * PAGE)) * 1000) / 10,
          unit: '%',
          target: { op: '>=', value: 90 },
          note: `${count.toLocaleString('en-US')} records in pages of ${PAGE}; ceiling ${RATE} req/s × ${PAGE}`,
        },
        {
          metric: 'requests answered 429',
          value: requests > 0 ? Math.round((limited / requests) * 1000) / 10 : 0,
          unit: '%',
          target: { op: '<=', value: 1 },
          note: `${limited} of ${requests} requests`,
        },
      ];
    } finally {
      await sim.stop();
    }
  },
};
