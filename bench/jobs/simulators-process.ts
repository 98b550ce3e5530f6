/**
 * Many testkit simulators in one process (one per connection, each with its own key and its own
 * rate limit), away from the processes being measured. Options as JSON in argv[2]:
 * `{count, items, ratePerSecond}`. Prints `[{url, apiKey}, …]` on its first line; exits when stdin
 * closes.
 */
import { startTestkitSimulator } from '../../test/support/testkit-integration/simulator.js';

const opts = JSON.parse(process.argv[2] ?? '{}') as { count: number; items: number; ratePerSecond: number };
const sims = await Promise.all(
  Array.from({ length: opts.count }, (_, i) =>
    startTestkitSimulator({
      items: opts.items,
      ratePerSecond: opts.ratePerSecond,
      apiKey: `tk_live_bench_${String(i).padStart(4, '0')}`,
    }),
  ),
);
process.stdout.write(`${JSON.stringify(sims.map((s) => ({ url: s.url, apiKey: s.apiKey })))}\n`);
process.stdin.resume();
process.stdin.on('end', () => void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0)));
