import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixedClock } from '../../src/core/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { accountFilter, runScore } from '../../src/scoring/index.js';
import { createSegment, evaluateSegments } from '../../src/segments/index.js';
import { populate } from '../scoring/detect-score.js';
import { firstLine, spawnBundled } from '../support/processes.js';
import type { BenchSuite } from '../types.js';
import { seedExportWorld } from './export-seed.js';

/**
 * Segments: (1) evaluating 50 segments over 20,000 accounts right after a full score run, as a share
 * of that score run (measured in the same process on the same database); (2) a 100,000-row CSV
 * export streamed to a null sink in its own process, rows per second and that process's peak RSS.
 * The exporting process runs bundled JavaScript, as production runs compiled code: under the
 * TypeScript loader the same process starts about 60 MB higher before it exports anything.
 */

const WS = 'bench';
const NOW = new Date('2025-06-15T06:00:00.000Z');
const DAY_MS = 86_400_000;

/** Fifty filters of every kind a segment can hold, cycled. */
function filterOf(i: number) {
  const kinds = [
    { grade: 'M100,M75' },
    { minFit: 40 + (i % 50) },
    { billing: 'active', minExpansion: i % 60 },
    { plan: 'pro', maxChurnRisk: 30 + (i % 40) },
    { signal: 'usage_spike', signalDays: 7 + (i % 21) },
    { signal: 'usage_drop' },
    { source: 'stripe', minHealth: i % 70 },
    { createdAfter: '2024-01-01', maxScore: 40 + i },
    { q: `co${i % 10}` },
    { billing: 'none', minScore: i % 30 },
  ];
  return accountFilter.parse(kinds[i % kinds.length]);
}

export const segmentsBench: BenchSuite = {
  name: 'segments',
  description: 'evaluate 50 segments over N accounts after a score run; 100,000-row CSV export',
  async run(ctx) {
    const accounts = Math.round(20_000 * ctx.scale);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-segments-'));
    const file = path.join(dir, 'bench.sqlite');
    const db = openDatabase({ dialect: 'sqlite', file });
    const results = [];
    try {
      await migrateToLatest(db.kysely);
      const source = populate(file, accounts, new Date(NOW.getTime() - 3_600_000).toISOString());
      await runScore(db.kysely, WS, { clock: fixedClock(NOW), trigger: 'bench' });
      for (let i = 0; i < 50; i++)
        await createSegment(
          db.kysely,
          WS,
          { name: `segment ${i}`, filter: filterOf(i) },
          null,
          NOW.toISOString(),
        );
      // The first evaluation derives every account's billing facets; later ones only changed accounts'.
      let t0 = performance.now();
      await evaluateSegments(db.kysely, WS, NOW);
      const firstMs = performance.now() - t0;
      ctx.log(`first evaluation (all facets derived): ${firstMs.toFixed(0)} ms`);
      const ratios: { score: number; evaluate: number; members: number }[] = [];
      for (let day = 1; day <= 3; day++) {
        const at = new Date(NOW.getTime() + day * DAY_MS);
        source.touch(100, new Date(at.getTime() - 60_000).toISOString(), day);
        t0 = performance.now();
        await runScore(db.kysely, WS, { clock: fixedClock(at), trigger: 'bench', mode: 'full' });
        const score = performance.now() - t0;
        t0 = performance.now();
        const evaluated = await evaluateSegments(db.kysely, WS, at);
        const evaluate = performance.now() - t0;
        const members = evaluated.reduce((n, r) => n + r.members, 0);
        ratios.push({ score, evaluate, members });
        ctx.log(
          `day ${day}: score run ${score.toFixed(0)} ms, 50 segments ${evaluate.toFixed(0)} ms, ${members} memberships`,
        );
      }
      source.close();
      const median = [...ratios].sort((a, b) => a.evaluate / a.score - b.evaluate / b.score)[1]!;
      results.push({
        metric: 'evaluate 50 segments vs the full score run before it',
        value: Math.round((median.evaluate / median.score) * 1000) / 10,
        unit: '%',
        target: { op: '<=' as const, value: 25 },
        note: `${accounts.toLocaleString('en-US')} accounts, median of 3 days: ${median.evaluate.toFixed(0)} ms vs ${median.score.toFixed(0)} ms (${median.members} memberships); first evaluation with every facet derived ${firstMs.toFixed(0)} ms`,
      });
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const rows = Math.round(100_000 * ctx.scale);
    const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-export-'));
    const exportFile = path.join(exportDir, 'bench.sqlite');
    await seedExportWorld(exportFile, rows);
    const child = await spawnBundled('bench/segments/export-child.ts', [exportFile, String(rows)]);
    const out = await firstLine<{
      rows: number;
      seconds: number;
      cpuSeconds: number;
      firstByteMs: number;
      maxRssMb: number;
      baselineRssMb: number;
      peakRssMb: number;
      pages: number;
    }>(child);
    fs.rmSync(exportDir, { recursive: true, force: true });
    results.push(
      {
        metric: `${rows.toLocaleString('en-US')}-row CSV export`,
        value: Math.round(out.rows / out.seconds),
        unit: 'rows/s',
        target: { op: '>=' as const, value: 50_000 },
        note: `${out.pages} keyset pages, first bytes after ${out.firstByteMs.toFixed(0)} ms, default columns, SQLite; ${Math.round(out.rows / out.cpuSeconds).toLocaleString('en-US')} rows per CPU-second (wall time counts a loaded machine's waits)`,
      },
      {
        metric: 'CSV export peak RSS',
        value: Math.round(out.maxRssMb),
        unit: 'MB',
        target: { op: '<=' as const, value: 200 },
        note: `high-water RSS of the exporting process (VmHWM; bundled JavaScript; the parent seeded the database): ${Math.round(out.baselineRssMb)} MB with the code loaded and the database open, at most ${Math.round(out.peakRssMb - out.baselineRssMb)} MB more while exporting (RSS sampled after every chunk)`,
      },
    );
    return results;
  },
};
