import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { BackgroundWriter } from '../../src/db/index.js';
import { runScore } from '../../src/scoring/index.js';
import { RecordWriter } from '../accounts/records.js';
import { createTestDb, type TestDb } from '../support/index.js';

/**
 * A run scored in many small chunks (on SQLite: written by the background writer thread, each
 * chunk committed on its own) stores exactly what the same run stores in one chunk written in the
 * run's own transaction: scores, explanations, snapshots, occurrences; and leaves no account marked.
 */

const WS = 'ws_chunks';
const NOW = new Date('2025-06-15T12:00:00.000Z');
const DAY_MS = 86_400_000;
const day = (ago: number) => new Date(NOW.getTime() - ago * DAY_MS).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * DAY_MS).toISOString();

async function world(t: TestDb) {
  const w = new RecordWriter(t.db.kysely, WS, at(0));
  await w.groupType(0, 'company');
  await w.price('price_pro', 'pro', 4000, 'month');
  for (let i = 0; i < 9; i++) {
    const domain = `co${i}.io`;
    await w.group(domain, `Company ${i}`, at(300));
    for (let p = 0; p < 2 + (i % 3); p++) {
      const title = ['Engineer', 'VP Sales', 'Director of Product'][(i + p) % 3];
      await w.person(
        `${domain}_${p}`,
        { email: `p${p}@${domain}`, title },
        at(p === 0 && i % 4 === 0 ? 3 : 200),
      );
    }
    if (i % 2 === 0) {
      await w.customer(`cus_${i}`, `billing@${domain}`, `Company ${i}`, at(250), domain);
      await w.subscription(`sub_${i}`, `cus_${i}`, 'price_pro', 3 + i, at(250), {
        cancel_at_period_end: i === 4,
        current_period_end: Math.floor(Date.parse(at(-9)) / 1000),
      });
    }
    for (let ago = 1; ago <= 60; ago++) {
      let count = 10 + ((i * 7 + ago) % 9);
      if (i % 3 === 1 && ago <= 7) count *= 4;
      if (i % 3 === 2 && ago <= 8) count = 1;
      await w.usage(domain, day(ago), ago % 2 ? 'feature_used' : 'report_created', count);
    }
    if (i === 5) await w.usage(domain, day(2), 'usage_limit_warning', 3);
  }
}

async function stored(t: TestDb) {
  const db = t.db.kysely;
  return {
    scores: await db
      .selectFrom('account_scores')
      .select([
        'account_id',
        'health',
        'expansion',
        'churn_risk',
        'fit',
        'score',
        'grade',
        'top_signals_json',
        'explanation_json',
        'signal_keys',
        'health_history_json',
        'row_hash',
      ])
      .where('workspace_id', '=', WS)
      .orderBy('account_id')
      .execute(),
    snapshots: await db
      .selectFrom('score_snapshots')
      .selectAll()
      .where('workspace_id', '=', WS)
      .orderBy('account_id')
      .orderBy('day')
      .execute(),
    occurrences: await db
      .selectFrom('signal_occurrences')
      .select([
        'account_id',
        'signal_key',
        'origin',
        'occurred_at',
        'first_seen_at',
        'last_seen_at',
        'open',
        'strength',
        'evidence_json',
        'explanation',
      ])
      .where('workspace_id', '=', WS)
      .orderBy('account_id')
      .orderBy('signal_key')
      .orderBy('origin')
      .orderBy('first_seen_at')
      .execute(),
    marked: await db
      .selectFrom('accounts')
      .select('id')
      .where('workspace_id', '=', WS)
      .where('touched_at', 'is not', null)
      .execute(),
  };
}

let whole: TestDb;
let chunked: TestDb;

beforeAll(async () => {
  whole = await createTestDb({ migrate: true });
  chunked = await createTestDb({ migrate: true });
  await world(whole);
  await world(chunked);
});

afterAll(async () => {
  await whole?.close();
  await chunked?.close();
});

describe('a run in many chunks', () => {
  it('stores what the same run stores in one chunk, day after day', async () => {
    for (const days of [0, 1, 2]) {
      const clock = fixedClock(new Date(NOW.getTime() + days * DAY_MS));
      const one = await runScore(whole.db.kysely, WS, { clock, trigger: 'test', mode: 'full' });
      const many = await runScore(chunked.db.kysely, WS, {
        clock,
        trigger: 'test',
        mode: 'full',
        chunkSize: 2,
      });
      expect(many.status).toBe('succeeded');
      expect(many.counts.accountsScored).toBe(one.counts.accountsScored);
      expect(many.counts.occurrencesNew).toBe(one.counts.occurrencesNew);
      expect(many.counts.occurrencesClosed).toBe(one.counts.occurrencesClosed);
      const [a, b] = [await stored(whole), await stored(chunked)];
      expect(a.scores.length).toBe(9);
      expect(a.occurrences.some((o) => o.origin === 'live')).toBe(true);
      expect(b).toEqual(a);
      expect(b.marked).toEqual([]);
    }
  });
});

describe.runIf(process.env.DATABASE_URL === undefined)('the background writer', () => {
  it('commits batches in order and reports a failed one, keeping what committed before it', async () => {
    const db = chunked.db.kysely;
    const writer = BackgroundWriter.open(db);
    expect(writer).not.toBeNull();
    const mark = 'update accounts set name = ? where workspace_id = ? and domain = ?';
    writer!.write([{ sql: mark, rows: [['First', WS, 'co1.io']] }]);
    writer!.write([{ sql: mark, rows: [['Second', WS, 'co1.io']] }]);
    writer!.write([
      { sql: mark, rows: [['Lost', WS, 'co2.io']] },
      { sql: 'update no_such_table set x = ?', rows: [[1]] },
    ]);
    await expect(writer!.flush()).rejects.toThrow(/Background write failed: .*no_such_table/);
    await expect(writer!.close()).rejects.toThrow(/no_such_table/);
    const names = await db
      .selectFrom('accounts')
      .select(['domain', 'name'])
      .where('workspace_id', '=', WS)
      .where('domain', 'in', ['co1.io', 'co2.io'])
      .orderBy('domain')
      .execute();
    expect(names).toEqual([
      { domain: 'co1.io', name: 'Second' },
      { domain: 'co2.io', name: 'Company 2' },
    ]);
  });
});
