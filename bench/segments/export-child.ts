import fs from 'node:fs';
import { openDatabase } from '../../src/db/index.js';
import { DEFAULT_EXPORT_COLUMNS, exportAccounts } from '../../src/segments/index.js';

/**
 * The export benchmark's own process, run as one bundled JavaScript file (as production runs
 * compiled code, without the TypeScript loader): opens a database the parent seeded
 * (bench/segments/export-seed.ts) and exports every account as CSV to a sink that drops the bytes.
 * Prints one JSON line: time, CPU, the process's peak RSS, and its RSS just before the export and at
 * its highest during it (sampled after every chunk), so the export's own growth shows.
 *
 * The peak is the kernel's high-water mark of this program's memory (`VmHWM`). Not `maxRSS`: on
 * Linux a child's `ru_maxrss` keeps the high-water mark of the address space it was forked from,
 * the parent's, which holds the benchmark's whole world.
 */
function highWaterMb(): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // Not Linux: maxRSS is this process's own there.
  }
  return process.resourceUsage().maxRSS / 1024;
}
const [file = '', rowsArg = '0'] = process.argv.slice(2);
const rows = Number(rowsArg);
const WS = 'bench';
const at = '2026-12-07T00:00:00.000Z';
const mb = (bytes: number) => bytes / 1048576;
const db = openDatabase({ dialect: 'sqlite', file });
const baselineRssMb = mb(process.memoryUsage().rss);
let peakRssMb = baselineRssMb;
let pages = 0;
let firstByteMs = 0;
let written = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
for await (const chunk of exportAccounts(db.kysely, WS, {
  filters: [],
  columns: DEFAULT_EXPORT_COLUMNS,
  format: 'csv',
  now: new Date(at),
  onPage: () => pages++,
})) {
  if (firstByteMs === 0) firstByteMs = performance.now() - t0;
  written += chunk.length;
  peakRssMb = Math.max(peakRssMb, mb(process.memoryUsage().rss));
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await db.close();
process.stdout.write(
  `${JSON.stringify({
    rows,
    seconds,
    cpuSeconds,
    firstByteMs,
    pages,
    bytes: written,
    maxRssMb: highWaterMb(),
    baselineRssMb,
    peakRssMb,
  })}\n`,
);
