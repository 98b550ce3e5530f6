import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { accountIdFor } from '../../src/accounts/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { DEFAULT_EXPORT_COLUMNS, exportAccounts } from '../../src/segments/index.js';

/**
 * The export benchmark's own process (its maxRSS is the figure): N scored accounts with facets are
 * written with raw SQLite, then exported as CSV to a sink that drops the bytes. Prints one JSON line.
 */
const rows = Number(process.argv[2] ?? 100_000);
const WS = 'bench';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-export-'));
const file = path.join(dir, 'bench.sqlite');
const db = openDatabase({ dialect: 'sqlite', file });
await migrateToLatest(db.kysely);
const raw = new Database(file);
const at = '2026-12-07T00:00:00.000Z';
const account = raw.prepare(
  `insert into accounts (id, workspace_id, domain, name, name_source, signup_at, replay_needed, link_count, created_at, updated_at)
   values (?, ?, ?, ?, 'domain', ?, 0, 1, ?, ?)`,
);
const score = raw.prepare(
  `insert into account_scores (workspace_id, account_id, health, expansion, churn_risk, fit, score, grade,
     top_signals_json, explanation_json, signal_keys, health_history_json, row_hash, scored_at)
   values (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, '[]', 'x', ?)`,
);
const facet = raw.prepare(
  `insert into account_facets (workspace_id, account_id, plan, billing_status, arr, history_hash, updated_at)
   values (?, ?, ?, ?, ?, null, ?)`,
);
const grades = ['M100', 'M75', 'M50', 'M25', 'M10'];
for (let start = 0; start < rows; start += 5000) {
  raw.transaction(() => {
    for (let i = start; i < Math.min(rows, start + 5000); i++) {
      const domain = `co${i}.example`;
      const id = accountIdFor(WS, domain);
      account.run(id, WS, domain, i % 97 === 0 ? `=Company ${i}, "quoted"` : `Company ${i}`, at, at, at);
      const s = i % 100;
      score.run(
        WS,
        id,
        s,
        (s * 7) % 100,
        (s * 3) % 100,
        i % 5 === 0 ? null : s,
        s,
        grades[i % 5],
        JSON.stringify([{ key: 'usage_spike', title: 'Usage spike', direction: 'expansion', share: 60 }]),
        ',usage_spike,',
        at,
      );
      facet.run(WS, id, i % 2 ? 'pro' : 'business', i % 3 ? 'active' : 'trialing', 1200 * (i % 10), at);
    }
  })();
}
raw.close();

let pages = 0;
let firstByteMs = 0;
let written = 0;
const t0 = performance.now();
for await (const chunk of exportAccounts(db.kysely, WS, {
  filters: [],
  columns: DEFAULT_EXPORT_COLUMNS,
  format: 'csv',
  now: new Date(at),
  onPage: () => pages++,
})) {
  if (firstByteMs === 0) firstByteMs = performance.now() - t0;
  written += chunk.length;
}
const seconds = (performance.now() - t0) / 1000;
await db.close();
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ rows, seconds, firstByteMs, pages, bytes: written, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
