import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/core/index.js';
import { runScoreSkippingConflict } from '../../src/jobs/score.js';
import { accountFilter } from '../../src/scoring/index.js';
import { createSegment, segmentMembers } from '../../src/segments/index.js';
import { RecordWriter } from '../accounts/records.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

const NOW = new Date('2025-06-15T12:00:00.000Z');
const day = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * 86_400_000).toISOString();

let t: TestRuntime;

beforeAll(async () => {
  t = await createTestRuntime({ clock: fixedClock(NOW) });
  const w = new RecordWriter(t.rt.db.kysely, t.workspaceId, at(0));
  await w.groupType(0, 'company');
  await w.group('acme.io', 'Acme', at(300));
  await w.group('globex.com', 'Globex', at(300));
  await w.price('price_pro', 'pro', 5000, 'month');
  await w.customer('cus_acme', 'billing@acme.io', 'Acme', at(200));
  await w.subscription('sub_acme', 'cus_acme', 'price_pro', 5, at(200));
  for (let i = 1; i <= 60; i++) {
    await w.usage('acme.io', day(i), 'feature_used', i <= 7 ? 60 : 20);
    await w.usage('globex.com', day(i), 'feature_used', i <= 7 ? 2 : 30);
  }
});
afterAll(() => t.close());

describe('after a score run', () => {
  it('segments are evaluated on the new scores and billing facets (the score job hook)', async () => {
    const pro = await createSegment(
      t.rt.db.kysely,
      t.workspaceId,
      {
        name: 'Pro, spiking',
        filter: accountFilter.parse({ plan: 'pro', billing: 'active', signal: 'usage_spike', signalDays: 7 }),
      },
      null,
      at(1),
    );
    expect((await segmentMembers(t.rt.db.kysely, t.workspaceId, pro.id)).items).toEqual([]);
    expect(await runScoreSkippingConflict(t.rt, t.workspaceId, 'test')).toBe(true);
    const members = await segmentMembers(t.rt.db.kysely, t.workspaceId, pro.id);
    expect(members.items.map((m) => m.domain)).toEqual(['acme.io']);
    expect(members.items[0]!.enteredAt).toBe(NOW.toISOString());
    expect(members.segment.evaluatedAt).toBe(NOW.toISOString());
  });
});
