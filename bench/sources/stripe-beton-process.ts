/**
 * Beton's side of the Stripe backfill bench, in its own process (so its CPU and peak memory are its
 * own): the real client and sync engine backfill customers and subscriptions into SQLite. Options
 * as JSON in argv[2] (`{url, apiKey, paced}`; paced false: the integration's rate budget is off, as
 * the simulator's limits are); prints one JSON line of figures.
 */
import stripe from '../../src/integrations/stripe/index.js';
import { executeRun, startSync } from '../../src/sync/index.js';
import { syncEnvironment } from '../support/sync-env.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as { url: string; apiKey: string; paced: boolean };
const integration = opts.paced
  ? stripe
  : { ...stripe, rateLimit: { concurrency: stripe.rateLimit?.concurrency ?? 8 } };
const env = await syncEnvironment(integration, opts);
try {
  const cpuAtStart = process.cpuUsage();
  const started = performance.now();
  const run = await startSync(env.deps, env.workspaceId, 'stripe', {
    trigger: 'manual',
    streams: ['customers', 'subscriptions'],
  });
  const done = await executeRun(env.deps, env.workspaceId, run.id);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  if (done.status !== 'succeeded')
    throw new Error(`the backfill ended ${done.status}: ${done.error?.message}`);
  process.stdout.write(
    `${JSON.stringify({
      records: done.counts.read,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
} finally {
  await env.close();
}
