import Database from 'better-sqlite3';
import { accountIdFor } from '../../src/accounts/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';

/**
 * N scored accounts with billing facets, written with raw SQLite into `file` for the export
 * benchmark (about one name in a hundred looks like a formula, to exercise the escaping).
 *
 * @example await seedExportWorld('/tmp/b.sqlite', 100_000)
 */
export async function seedExportWorld(file: string, rows: number): Promise<void> {
  const WS = 'bench';
  const db = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(db.kysely);
  await db.close();
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
}
