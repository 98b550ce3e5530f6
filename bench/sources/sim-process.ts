/**
 * The Stripe or PostHog simulator in its own process, so it does not share a CPU thread with the
 * engine being measured. Options as JSON in argv[2] (`{service, companies, seed}`); prints
 * `{"url","apiKey","projectId"?,"statsUrl","customers"}` on its first line; exits when stdin closes.
 * Its stats URL answers the request counters, and takes knobs by POST.
 */
import { createServer } from 'node:http';
import { startPostHogSimulator } from '../../src/integrations/posthog/simulator/index.js';
import { startStripeSimulator } from '../../src/integrations/stripe/simulator/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  service: 'stripe' | 'posthog';
  companies: number;
  seed?: string;
};
const dataset = generateDataset({ seed: opts.seed ?? 'bench', companies: opts.companies });
const sim =
  opts.service === 'stripe'
    ? await startStripeSimulator({ dataset })
    : await startPostHogSimulator({ dataset });

// GET: counters; POST a JSON object of knobs to turn them (e.g. `{"rateLimits":false}`).
const stats = createServer((req, res) => {
  if (req.method === 'POST') {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => {
      sim.server.setKnobs(JSON.parse(text));
      res.end('{}');
    });
    return;
  }
  const body = {
    counters: sim.server.counters,
    ...('stats' in sim ? { queries: sim.stats } : {}),
  };
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
});
await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));
const port = (stats.address() as { port: number }).port;

process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    apiKey: sim.apiKey,
    ...('projectId' in sim ? { projectId: sim.projectId } : {}),
    statsUrl: `http://127.0.0.1:${port}`,
    customers: dataset.billing.customers.filter((c) => c.deleted === null).length,
    subscriptions: dataset.billing.subscriptions.length,
  })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  stats.close();
  void sim.close().then(() => process.exit(0));
});
