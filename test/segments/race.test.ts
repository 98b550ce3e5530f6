import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFilter } from '../../src/scoring/index.js';
import { createSegment, evaluateSegment, evaluateSegments, type Segment } from '../../src/segments/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { seedAccounts, WORLD } from './world.js';

const WS = 'ws_segments_race';
const NOW = new Date('2026-12-07T06:00:00.000Z');

let t: TestDb;
let segment: Segment;
const db = () => t.db.kysely;

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  await seedAccounts(db(), WS, WORLD);
  segment = await createSegment(
    db(),
    WS,
    { name: 'Top grade', filter: accountFilter.parse({ grade: 'M100' }) },
    null,
    NOW.toISOString(),
  );
});
afterAll(() => t.close());

async function openStays() {
  return db()
    .selectFrom('segment_members')
    .select(['account_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', WS)
    .where('segment_id', '=', segment.id)
    .where('left_at', 'is', null)
    .groupBy('account_id')
    .execute();
}

describe('segment membership under concurrent evaluations', () => {
  it('two evaluations at once open one stay per account, not two', async () => {
    // Their reads may interleave (each then finds the same accounts entering); whatever the order,
    // each account ends with one open stay.
    const results = await Promise.all([
      evaluateSegment(db(), WS, segment, NOW),
      evaluateSegment(db(), WS, segment, NOW),
      evaluateSegments(db(), WS, new Date(NOW.getTime() + 1)),
    ]);
    const members = results[0].members;
    expect(members).toBeGreaterThan(0);
    const stays = await openStays();
    expect(stays).toHaveLength(members);
    expect(stays.every((s) => Number(s.n) === 1)).toBe(true);
  });

  it('the database refuses a second open stay for the same account', async () => {
    const [stay] = await openStays();
    await expect(
      db()
        .insertInto('segment_members')
        .values({
          workspace_id: WS,
          segment_id: segment.id,
          account_id: stay!.account_id,
          entered_at: '2026-12-08T00:00:00.000Z',
          left_at: null,
        })
        .execute(),
    ).rejects.toThrow(/unique|UNIQUE|duplicate/);
    // A closed stay beside the open one is history, and allowed.
    await db()
      .insertInto('segment_members')
      .values({
        workspace_id: WS,
        segment_id: segment.id,
        account_id: stay!.account_id,
        entered_at: '2026-11-01T00:00:00.000Z',
        left_at: '2026-11-02T00:00:00.000Z',
      })
      .execute();
  });
});
