/**
 * Syncs a large stream in its own process and reports the process's peak RSS: argv[2] is JSON
 * {url, apiKey, pageSize}. Prints one JSON line {written, seconds, peakRssMb}.
 */
import { makeTestkit } from '../../test/support/testkit-integration/integration.js';
import { runSeconds, syncEnvironment } from '../support/sync-env.js';

const { url, apiKey, pageSize } = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  apiKey: string;
  pageSize: number;
};
const env = await syncEnvironment(makeTestkit({ rateLimit: {} }), { url, apiKey }, { pageSize });
const run = await env.sync();
await env.close();
process.stdout.write(
  `${JSON.stringify({
    status: run.status,
    written: run.counts.written,
    seconds: runSeconds(run),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  })}\n`,
);
