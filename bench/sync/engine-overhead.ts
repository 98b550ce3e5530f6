import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { makeTestkit } from '../../test/support/testkit-integration/integration.js';
import { testkitItem } from '../../test/support/testkit-integration/simulator.js';
import { startSimulatorProcess } from '../support/processes.js';
import { runSeconds, syncEnvironment } from '../support/sync-env.js';
import type { BenchSuite } from '../types.js';

const PAGE = 1000;

/**
 * The reference: the same rows (JSON payload, sha-1 hash, timestamps) inserted with one prepared
 * better-sqlite3 statement, 1,000 rows per transaction, into the same `records` table and indexes.
 */
async function bareInsert(count: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-bare-'));
  const file = path.join(dir, 'bare.sqlite');
  const migrated = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(migrated.kysely);
  await migrated.close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(
    `INSERT INTO records (workspace_id, connection_id, integration, stream, external_id, payload_json, payload_hash,
      first_seen_at, synced_at, changed_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
  );
  const started = performance.now();
  for (let start = 0; start < count; start += PAGE) {
    const now = new Date().toISOString();
    db.transaction(() => {
      for (let i = start; i < Math.min(count, start + PAGE); i++) {
        const item = testkitItem(i);
        const json = JSON.stringify(item);
        const hash = createHash('sha1').update(json).digest('hex');
        insert.run('bench', 'c1', 'testkit', 'items', item.id, json, hash, now, now, now);
      }
    })();
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return count / seconds;
}

export const syncEngineOverhead: BenchSuite = {
  name: 'sync-engine',
  description: 'engine overhead: a full sync from a simulator that answers at once vs a bare batched insert',
  async run(ctx) {
    const count = Math.round(200_000 * ctx.scale);
    const sim = await startSimulatorProcess({ items: count });
    try {
      const env = await syncEnvironment(makeTestkit({ rateLimit: {} }), sim, { pageSize: PAGE });
      const run = await env.sync();
      await env.close();
      if (run.status !== 'succeeded' || run.counts.written !== count) {
        throw new Error(
          `sync ended ${run.status} with ${run.counts.written}/${count} written: ${run.error?.message}`,
        );
      }
      const engineRate = count / runSeconds(run);
      const bareRate = await bareInsert(count);
      ctx.log(`engine ${Math.round(engineRate)} rec/s, bare insert ${Math.round(bareRate)} rec/s`);
      return [
        {
          metric: 'sync into SQLite',
          value: Math.round(engineRate),
          unit: 'records/s',
          target: { op: '>=', value: 50_000 },
          note: `${count.toLocaleString('en-US')} records, pages of ${PAGE}, simulator in its own process over HTTP`,
        },
        {
          metric: 'sync vs bare better-sqlite3 insert',
          value: Math.round((engineRate / bareRate) * 100),
          unit: '%',
          target: { op: '>=', value: 50 },
          note: `bare: one prepared INSERT of the same rows (JSON + sha-1), ${PAGE} per transaction, ${Math.round(bareRate).toLocaleString('en-US')} rows/s`,
        },
      ];
    } finally {
      await sim.stop();
    }
  },
};
