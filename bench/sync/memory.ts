import { firstLine, spawnTs, startSimulatorProcess } from '../support/processes.js';
import type { BenchSuite } from '../types.js';

const PAGE = 1000;

export const syncMemory: BenchSuite = {
  name: 'sync-memory',
  description: 'peak RSS of a process syncing a 1,000,000-record stream (pages stream through)',
  async run(ctx) {
    const count = Math.round(1_000_000 * ctx.scale);
    const sim = await startSimulatorProcess({ items: count });
    try {
      const child = spawnTs('bench/sync/memory-child.ts', [
        JSON.stringify({ url: sim.url, apiKey: sim.apiKey, pageSize: PAGE }),
      ]);
      child.stdin!.end();
      const result = await firstLine<{ status: string; written: number; seconds: number; peakRssMb: number }>(
        child,
      );
      if (result.status !== 'succeeded' || result.written !== count) {
        throw new Error(`sync ended ${result.status} with ${result.written}/${count} written`);
      }
      ctx.log(`${count} records in ${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMb} MB`);
      return [
        {
          metric: 'peak RSS syncing the stream',
          value: result.peakRssMb,
          unit: 'MB',
          target: { op: '<=', value: 300 },
          note: `${count.toLocaleString('en-US')} records in pages of ${PAGE}, measured in the syncing process (maxRSS)`,
        },
      ];
    } finally {
      await sim.stop();
    }
  },
};
