import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountFilter } from '../../src/scoring/index.js';
import {
  createSegment,
  evaluateSegments,
  type Segment,
  segmentHistory,
  segmentMembers,
} from '../../src/segments/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { seedAccounts, setScores, WORLD } from './world.js';

const WS = 'ws_segments_history';
const RUN1 = new Date('2026-12-01T06:00:00.000Z');
const RUN2 = new Date('2026-12-03T06:00:00.000Z');
const RUN3 = new Date('2026-12-05T06:00:00.000Z');

let t: TestDb;
let ids: Record<string, string>;
let segment: Segment;
const scores = (score: number, grade: string) => ({
  health: 50,
  expansion: 40,
  churnRisk: 20,
  fit: 70,
  score,
  grade,
});

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  ids = await seedAccounts(t.db.kysely, WS, WORLD);
  segment = await createSegment(
    t.db.kysely,
    WS,
    { name: 'Top grade', filter: accountFilter.parse({ grade: 'M100' }) },
    null,
    RUN1.toISOString(),
  );
});
afterAll(() => t.close());

const stays = () =>
  t.db.kysely
    .selectFrom('segment_members')
    .select(['account_id', 'entered_at', 'left_at'])
    .where('workspace_id', '=', WS)
    .where('segment_id', '=', segment.id)
    .orderBy('account_id')
    .orderBy('entered_at')
    .execute();

describe('membership across three score runs', () => {
  it('records who entered and who left at each run', async () => {
    const db = t.db.kysely;
    // Run 1: the world as seeded — acme and hooli are M100.
    await evaluateSegments(db, WS, RUN1);
    // Run 2: initech climbs to M100, hooli drops to M75.
    await setScores(db, WS, ids['initech.net']!, scores(90, 'M100'));
    await setScores(db, WS, ids['hooli.xyz']!, scores(70, 'M75'));
    // Runs 2 and 3 read and write on other threads, as in a large workspace (SQLite).
    await evaluateSegments(db, WS, RUN2, { threadsFromAccounts: 0 });
    // Run 3: hooli comes back, acme drops out.
    await setScores(db, WS, ids['hooli.xyz']!, scores(85, 'M100'));
    await setScores(db, WS, ids['acme.io']!, scores(30, 'M25'));
    await evaluateSegments(db, WS, RUN3, { threadsFromAccounts: 0 });

    const [r1, r2, r3] = [RUN1.toISOString(), RUN2.toISOString(), RUN3.toISOString()];
    const expected = [
      { account_id: ids['acme.io'], entered_at: r1, left_at: r3 },
      { account_id: ids['hooli.xyz'], entered_at: r1, left_at: r2 },
      { account_id: ids['hooli.xyz'], entered_at: r3, left_at: null },
      { account_id: ids['initech.net'], entered_at: r2, left_at: null },
    ].sort((a, b) => a.account_id!.localeCompare(b.account_id!) || a.entered_at.localeCompare(b.entered_at));
    expect(await stays()).toEqual(expected);
  });

  it('answers "new in this segment since" from the stays', async () => {
    const all = await segmentMembers(t.db.kysely, WS, segment.id);
    expect(all.items.map((m) => m.id).sort()).toEqual([ids['hooli.xyz'], ids['initech.net']].sort());
    const recent = await segmentMembers(t.db.kysely, WS, 'Top grade', { since: '2026-12-04' });
    expect(recent.items.map((m) => [m.id, m.enteredAt])).toEqual([[ids['hooli.xyz'], RUN3.toISOString()]]);
  });

  it('counts members per day with entries and exits', async () => {
    const history = await segmentHistory(t.db.kysely, WS, segment.id, {
      days: 7,
      now: new Date('2026-12-06T12:00:00.000Z'),
    });
    expect(history.days).toEqual([
      { day: '2026-11-30', members: 0, entered: 0, left: 0 },
      { day: '2026-12-01', members: 2, entered: 2, left: 0 },
      { day: '2026-12-02', members: 2, entered: 0, left: 0 },
      { day: '2026-12-03', members: 2, entered: 1, left: 1 },
      { day: '2026-12-04', members: 2, entered: 0, left: 0 },
      { day: '2026-12-05', members: 2, entered: 1, left: 1 },
      { day: '2026-12-06', members: 2, entered: 0, left: 0 },
    ]);
    expect(history.events[0]).toMatchObject({ at: RUN3.toISOString() });
    expect(
      history.events
        .filter((e) => e.kind === 'left')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['Acme', 'Hooli']);
  });

  it('an evaluation that changes nothing writes nothing', async () => {
    const before = await stays();
    const [result] = await evaluateSegments(t.db.kysely, WS, new Date('2026-12-06T06:00:00.000Z'));
    expect(result).toMatchObject({ members: 2, entered: 0, left: 0 });
    expect(await stays()).toEqual(before);
  });
});
