/**
 * `npm run bench [-- --only <suite,…>] [--quick] [--json]`: runs the registered suites, prints one
 * table (metric, value, target, pass), and with `--json` writes bench/results/latest.json. Exits 1
 * when a target is missed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suites } from './suites.js';
import { type BenchResult, passes } from './types.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined;
const unknown = only ? [...only].filter((name) => !suites.some((s) => s.name === name)) : [];
if (unknown.length > 0) {
  process.stderr.write(
    `Unknown suite ${unknown.join(', ')}; suites: ${suites.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}

const rows: Array<BenchResult & { suite: string; pass: boolean | undefined }> = [];
const errors: Array<{ suite: string; error: string }> = [];
for (const suite of suites) {
  if (only && !only.has(suite.name)) continue;
  process.stderr.write(`▶ ${suite.name}: ${suite.description}\n`);
  const started = Date.now();
  try {
    const results = await suite.run({
      scale: quick ? 0.1 : 1,
      log: (message) => process.stderr.write(`  ${message}\n`),
    });
    for (const r of results) rows.push({ suite: suite.name, ...r, pass: passes(r) });
  } catch (error) {
    errors.push({ suite: suite.name, error: error instanceof Error ? error.message : String(error) });
    process.stderr.write(`  failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.stderr.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

const fmt = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const table = [
  ['suite', 'metric', 'value', 'target', 'pass'],
  ...rows.map((r) => [
    r.suite,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.target ? `${r.target.op} ${fmt(r.target.value)} ${r.unit}` : '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  ]),
];
const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
process.stdout.write(
  `${table
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`,
);
for (const r of rows.filter((r) => r.note)) process.stdout.write(`  · ${r.suite} / ${r.metric}: ${r.note}\n`);
for (const e of errors) process.stdout.write(`  ✗ ${e.suite} failed: ${e.error}\n`);

if (json) {
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.json');
  fs.writeFileSync(
    file,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: os.cpus().length,
        quick,
        results: rows,
        errors,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}
process.exit(errors.length > 0 || rows.some((r) => r.pass === false) ? 1 : 0);
