import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountNames, gradeCounts, scoreTrends } from '../../src/scoring/index.js';
import { createTestDb, type TestDb } from '../support/index.js';

/** Read-only views the web app draws: sparklines, accounts by grade, who fired a signal. */
let t: TestDb;
const NOW = new Date('2025-03-31T15:00:00Z');
const at = '2025-03-31T00:00:00.000Z';

async function account(ws: string, id: string, name: string, grade?: string) {
  await t.db.kysely
    .insertInto('accounts')
    .values({
      id,
      workspace_id: ws,
      domain: `${id}.test`,
      name,
      name_source: 'domain',
      signup_at: null,
      history_json: null,
      history_hash: null,
      touched_at: null,
      replay_needed: 0,
      link_count: 1,
      created_at: at,
      updated_at: at,
    })
    .execute();
  if (!grade) return;
  await t.db.kysely
    .insertInto('account_scores')
    .values({
      workspace_id: ws,
      account_id: id,
      health: 50,
      expansion: 50,
      churn_risk: 0,
      fit: null,
      score: 50,
      grade,
      top_signals_json: '[]',
      explanation_json: '{}',
      signal_keys: ',',
      health_history_json: '[]',
      row_hash: 'h',
      scored_at: at,
      run_id: null,
    })
    .execute();
}

async function snapshot(ws: string, id: string, day: string, score: number) {
  await t.db.kysely
    .insertInto('score_snapshots')
    .values({
      workspace_id: ws,
      account_id: id,
      day,
      health: score,
      expansion: 0,
      churn_risk: 0,
      fit: null,
      score,
      grade: 'M50',
    })
    .execute();
}

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  await account('ws_a', 'acc_1', 'Acme', 'M100');
  await account('ws_a', 'acc_2', 'Bolt', 'M50');
  await account('ws_a', 'acc_3', 'Cask', 'M50');
  await account('ws_a', 'acc_4', 'Dune');
  await account('ws_b', 'acc_9', 'Other', 'M10');
  // acc_1 held 40 before the window, changed to 60 on the 20th and 70 on the 30th.
  await snapshot('ws_a', 'acc_1', '2025-02-10', 40);
  await snapshot('ws_a', 'acc_1', '2025-03-20', 60);
  await snapshot('ws_a', 'acc_1', '2025-03-30', 70);
  // acc_2 was first scored inside the window.
  await snapshot('ws_a', 'acc_2', '2025-03-29', 55);
  await snapshot('ws_b', 'acc_9', '2025-03-29', 99);
});

afterAll(async () => {
  await t?.close();
});

describe('score trends', () => {
  it('carries each change point forward to a value for every day of the window', async () => {
    const trends = await scoreTrends(t.db.kysely, 'ws_a', ['acc_1', 'acc_2', 'acc_4'], {
      days: 30,
      now: NOW,
    });
    const acme = trends.get('acc_1')!;
    expect(acme).toHaveLength(30);
    expect(acme[0]).toEqual({ day: '2025-03-02', score: 40 });
    expect(acme.find((p) => p.day === '2025-03-19')!.score).toBe(40);
    expect(acme.find((p) => p.day === '2025-03-20')!.score).toBe(60);
    expect(acme.at(-1)).toEqual({ day: '2025-03-31', score: 70 });
    expect(trends.get('acc_2')).toEqual([
      { day: '2025-03-29', score: 55 },
      { day: '2025-03-30', score: 55 },
      { day: '2025-03-31', score: 55 },
    ]);
    expect(trends.get('acc_4')).toEqual([]);
  });

  it('never reads another workspace’s snapshots', async () => {
    const trends = await scoreTrends(t.db.kysely, 'ws_a', ['acc_9'], { days: 30, now: NOW });
    expect(trends.get('acc_9')).toEqual([]);
  });
});

describe('grade counts and account names', () => {
  it('counts accounts, scored accounts and each grade in one workspace', async () => {
    expect(await gradeCounts(t.db.kysely, 'ws_a')).toEqual({
      total: 4,
      scored: 3,
      byGrade: { M100: 1, M50: 2 },
    });
    expect(await gradeCounts(t.db.kysely, 'ws_b')).toEqual({ total: 1, scored: 1, byGrade: { M10: 1 } });
  });

  it('names accounts of the workspace only', async () => {
    const names = await accountNames(t.db.kysely, 'ws_a', ['acc_1', 'acc_1', 'acc_9']);
    expect([...names.entries()]).toEqual([['acc_1', { name: 'Acme', domain: 'acc_1.test' }]]);
  });
});
