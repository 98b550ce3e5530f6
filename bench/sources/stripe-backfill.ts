import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstLine, spawnTs } from '../support/processes.js';
import type { BenchResult, BenchSuite } from '../types.js';

/** Stripe's test-mode limit and its largest page: the ceiling is their product. */
const REQUESTS_PER_SECOND = 25;
const PAGE = 100;
/** The hand-written script's token bucket: a little under the limit, as its author would set it. */
const SCRIPT_PER_SECOND = 24;

interface SimInfo {
  url: string;
  apiKey: string;
  statsUrl: string;
  customers: number;
  subscriptions: number;
}
type Counters = { total: number; rateLimited: number };
interface Figures {
  records: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}
interface Side extends Figures {
  requests: number;
  limited: number;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Backfill customers and their subscriptions from the Stripe simulator (its own process, enforcing
 * 25 requests/s with 429s) twice: through Beton's real client and sync engine into SQLite, and
 * through a hand-written `stripe` SDK script (bench/sources/stripe-script.ts: 8 paced `created`
 * slices, a page upserted per better-sqlite3 transaction), each in its own process so CPU time and
 * peak RSS are its own. Then both again with the limits off (simulator and pacing), for throughput.
 * Targets: Beton at ≥ 94 % of the 25 × 100 records/s ceiling with ≤ 0.5 % of requests answered
 * 429; Beton's CPU per record and peak RSS ≤ 1.2× the script's; unpaced, Beton's records/s ≥ the
 * script's.
 */
export const stripeBackfill: BenchSuite = {
  name: 'stripe-backfill',
  description: `Stripe backfill of customers and subscriptions at the simulator's ${REQUESTS_PER_SECOND} requests/s, Beton vs a hand-written SDK script`,
  async run(ctx) {
    const targetCustomers = Math.max(2_000, Math.round(20_000 * ctx.scale));
    // About two thirds of the dataset's companies have a Stripe customer.
    const companies = Math.ceil(targetCustomers / 0.66);
    ctx.log(`generating ${companies} companies (≈ ${targetCustomers} customers) in the simulator process`);
    const child = spawnTs('bench/sources/sim-process.ts', [JSON.stringify({ service: 'stripe', companies })]);
    const sim = await firstLine<SimInfo>(child);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-stripe-script-'));
    const counters = async () =>
      ((await (await fetch(sim.statsUrl)).json()) as { counters: Counters }).counters;
    const knobs = (rateLimits: boolean) =>
      fetch(sim.statsUrl, { method: 'POST', body: JSON.stringify({ rateLimits }) });
    const measure = async (file: string, options: object): Promise<Side> => {
      const before = await counters();
      const side = spawnTs(file, [JSON.stringify({ url: sim.url, apiKey: sim.apiKey, ...options })]);
      const figures = await firstLine<Figures>(side);
      await new Promise<void>((resolve) =>
        side.exitCode !== null ? resolve() : side.once('exit', () => resolve()),
      );
      const after = await counters();
      return {
        ...figures,
        requests: after.total - before.total,
        limited: after.rateLimited - before.rateLimited,
      };
    };
    const describe = (name: string, s: Side) =>
      `${name}: ${s.records} records in ${s.seconds.toFixed(1)} s (${Math.round(s.records / s.seconds)}/s), ${s.requests} requests, ${s.limited} answered 429, ${s.cpuSeconds.toFixed(2)} CPU-s, peak RSS ${Math.round(s.peakRssMb)} MB`;
    try {
      const beton = await measure('bench/sources/stripe-beton-process.ts', { paced: true });
      ctx.log(describe('Beton', beton));
      const script = await measure('bench/sources/stripe-script.ts', {
        file: path.join(dir, 'paced.sqlite'),
        perSecond: SCRIPT_PER_SECOND,
      });
      ctx.log(describe('script', script));
      await knobs(false);
      const betonFree = await measure('bench/sources/stripe-beton-process.ts', { paced: false });
      ctx.log(describe('Beton, limits off', betonFree));
      const scriptFree = await measure('bench/sources/stripe-script.ts', {
        file: path.join(dir, 'free.sqlite'),
        perSecond: 0,
      });
      ctx.log(describe('script, limits off', scriptFree));
      await knobs(true);

      const ceiling = REQUESTS_PER_SECOND * PAGE;
      const perRecord = (s: Side) => s.cpuSeconds / s.records;
      const results: BenchResult[] = [
        {
          metric: 'backfill rate, share of the 25 × 100 records/s ceiling',
          value: round((beton.records / beton.seconds / ceiling) * 100, 1),
          unit: '%',
          target: { op: '>=', value: 94 },
          note: `Beton ${beton.records} records in ${beton.seconds.toFixed(1)} s with ${beton.requests} requests; the script ${round((script.records / script.seconds / ceiling) * 100, 1)} % with ${script.requests}`,
        },
        {
          metric: 'requests answered 429',
          value: round((beton.limited / Math.max(1, beton.requests)) * 100),
          unit: '%',
          target: { op: '<=', value: 0.5 },
          note: `${beton.limited} of ${beton.requests} requests (the script: ${script.limited} of ${script.requests})`,
        },
        {
          metric: 'CPU per record vs the SDK script (paced)',
          value: round(perRecord(beton) / perRecord(script)),
          unit: '×',
          target: { op: '<=', value: 1.2 },
          note: `Beton ${beton.cpuSeconds.toFixed(2)} CPU-s, the script ${script.cpuSeconds.toFixed(2)} CPU-s; unpaced ${round(perRecord(betonFree) / perRecord(scriptFree))}× (${betonFree.cpuSeconds.toFixed(2)} vs ${scriptFree.cpuSeconds.toFixed(2)} CPU-s)`,
        },
        {
          metric: 'peak RSS vs the SDK script (paced)',
          value: round(beton.peakRssMb / script.peakRssMb),
          unit: '×',
          target: { op: '<=', value: 1.2 },
          note: `Beton ${Math.round(beton.peakRssMb)} MB, the script ${Math.round(script.peakRssMb)} MB; unpaced ${Math.round(betonFree.peakRssMb)} vs ${Math.round(scriptFree.peakRssMb)} MB`,
        },
        {
          metric: 'records/s with the limits off vs the SDK script',
          value: round(betonFree.records / betonFree.seconds / (scriptFree.records / scriptFree.seconds)),
          unit: '×',
          target: { op: '>=', value: 1 },
          note: `Beton ${Math.round(betonFree.records / betonFree.seconds)}/s, the script ${Math.round(scriptFree.records / scriptFree.seconds)}/s`,
        },
      ];
      return results;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      });
    }
  },
};
