import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionClient, openConnection } from '../../src/connections/index.js';
import { type AttioClient, attioDestination } from '../../src/integrations/attio/index.js';
import {
  applyPushPlan,
  buildPushPlan,
  getPushRun,
  listPushRejects,
  openPushRun,
  planPush,
  resolveMapping,
  startPush,
  startRollback,
} from '../../src/push/index.js';
import { createPushTestbed, historyOf, type PushTestbed, scored, valueIn } from './testbed.js';

const actor = { actorType: 'cli' as const, actorId: null };

async function push(bed: PushTestbed, opts: { full?: boolean } = {}) {
  const { done } = await startPush(bed.deps, bed.workspaceId, 'attio', { trigger: 'test', actor, ...opts });
  return done;
}

describe('push to Attio', () => {
  let bed: PushTestbed;
  beforeEach(async () => {
    bed = await createPushTestbed();
    await bed.connect();
  });
  afterEach(() => bed.close());

  it('creates the attributes, writes every account once, then writes nothing when nothing changed', async () => {
    bed.accounts = Array.from({ length: 12 }, (_, i) => scored(i));
    const first = await push(bed);
    expect(first).toMatchObject({
      status: 'succeeded',
      counts: { created: 12, updated: 0, rejected: 0, attributesCreated: 7 },
    });
    expect(
      bed.sim.store.listAttributes('companies').filter((a) => a.api_slug.startsWith('beton_')),
    ).toHaveLength(7);
    expect(valueIn(bed.sim, 'acct3.com', 'beton_health')).toMatchObject({ value: 53, author: 'api-token' });
    expect(valueIn(bed.sim, 'acct3.com', 'name')).toMatchObject({ value: 'Account 3' });

    const writesBefore = bed.sim.counters.writes;
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(plan.summary).toMatchObject({ accounts: 12, creates: 0, updates: 0, unchanged: 12, writes: 0 });
    const second = await push(bed);
    expect(second).toMatchObject({ status: 'succeeded', counts: { created: 0, updated: 0, writes: 0 } });
    expect(bed.sim.counters.writes - writesBefore).toBe(0);
  });

  it('dry run: shows creates and updates with before → after and makes zero write calls', async () => {
    bed.accounts = [scored(1), scored(2)];
    await push(bed);
    bed.accounts = [scored(1, { beton_health: 12 }), scored(2), scored(3)];
    const writesBefore = bed.sim.counters.writes;
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(bed.sim.counters.writes - writesBefore).toBe(0);
    expect(plan.summary).toMatchObject({ creates: 1, updates: 1, unchanged: 1, writes: 2 });
    const update = plan.items.find((i) => i.action === 'update')!;
    expect(update).toMatchObject({
      key: 'acct1.com',
      changes: [{ attribute: 'beton_health', before: 51, after: 12 }],
    });
    expect(plan.items.find((i) => i.action === 'create')).toMatchObject({ key: 'acct3.com' });
    expect(valueIn(bed.sim, 'acct1.com', 'beton_health')?.value).toBe(51);
  });

  it('leaves a value a person edited alone under the default policy, and overwrites it under "always"', async () => {
    bed.accounts = [scored(1)];
    await push(bed);
    bed.sim.editAsPerson('acct1.com', { beton_health: 99, beton_grade: 'M100' });
    bed.accounts = [scored(1, { beton_health: 20, beton_grade: 'M25', beton_fit: 70 })];

    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    const item = plan.items[0]!;
    expect(item.action).toBe('update');
    expect(item.changes).toEqual([{ attribute: 'beton_fit', before: 60, after: 70 }]);
    expect(item.kept.map((k) => [k.attribute, k.reason])).toEqual([
      ['beton_health', 'set_by_person'],
      ['beton_grade', 'set_by_person'],
    ]);
    await push(bed);
    expect(valueIn(bed.sim, 'acct1.com', 'beton_health')).toMatchObject({
      value: 99,
      author: 'workspace-member',
    });
    expect(valueIn(bed.sim, 'acct1.com', 'beton_fit')).toMatchObject({ value: 70, author: 'api-token' });

    await bed.connect({ fieldPolicies: { beton_grade: 'always' } });
    bed.accounts = [scored(1, { beton_health: 21, beton_grade: 'M10', beton_fit: 70 })];
    await push(bed);
    expect(valueIn(bed.sim, 'acct1.com', 'beton_grade')).toMatchObject({ value: 'M10', author: 'api-token' });
    expect(valueIn(bed.sim, 'acct1.com', 'beton_health')).toMatchObject({
      value: 99,
      author: 'workspace-member',
    });
  });

  it('only_if_empty writes into an empty field and keeps a filled one', async () => {
    await bed.connect({ fieldPolicies: { beton_top_signals: 'only_if_empty' } });
    bed.accounts = [scored(1, { beton_top_signals: null }), scored(2)];
    await push(bed);
    expect(valueIn(bed.sim, 'acct1.com', 'beton_top_signals')?.value).toBeNull();
    bed.accounts = [
      scored(1, { beton_top_signals: 'usage_drop' }),
      scored(2, { beton_top_signals: 'trial_ending' }),
    ];
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(plan.items.find((i) => i.key === 'acct2.com')?.kept[0]).toMatchObject({ reason: 'not_empty' });
    await push(bed);
    expect(valueIn(bed.sim, 'acct1.com', 'beton_top_signals')?.value).toBe('usage_drop');
    expect(valueIn(bed.sim, 'acct2.com', 'beton_top_signals')?.value).toBe('usage_spike, invites_sent');
  });

  it('honours a 429 storm with HTTP-date Retry-After: every record written exactly once', async () => {
    bed.accounts = [scored(100)];
    await push(bed);
    const appliedBefore = bed.sim.applied.writes;
    bed.accounts = Array.from({ length: 30 }, (_, i) => scored(i));
    bed.sim.rateLimitStorm({ writes: 25 });
    const run = await push(bed);
    expect(run).toMatchObject({ status: 'succeeded', counts: { created: 30, rejected: 0 } });
    expect(bed.sim.counters.rateLimited).toBeGreaterThanOrEqual(25);
    expect(bed.sim.store.countRecords('companies')).toBe(31);
    for (let i = 0; i < 30; i++) expect(historyOf(bed.sim, `acct${i}.com`, 'beton_health')).toHaveLength(1);
    // 30 records, each applied once whatever the retries.
    expect(bed.sim.applied.writes - appliedBefore).toBe(30);
  });

  it('counts an attribute that appeared between plan and apply (409) as ensured', async () => {
    bed.accounts = [scored(1)];
    const open = await openConnection(bed.deps, bed.workspaceId, 'attio');
    const destination = attioDestination(connectionClient(bed.deps, open) as AttioClient);
    const deps = { db: bed.deps.db.kysely, clock: bed.deps.clock, logger: bed.deps.logger };
    const mapping = resolveMapping();
    const plan = await buildPushPlan(deps, bed.workspaceId, destination, bed.deps.pushSource, { mapping });
    expect(plan.attributes.create).toHaveLength(7);
    bed.sim.store.createAttribute('companies', { title: 'Beton fit', api_slug: 'beton_fit', type: 'number' });
    const runId = await openPushRun(deps, bed.workspaceId, 'attio', { trigger: 'test', actor });
    const run = await applyPushPlan(deps, bed.workspaceId, destination, plan, { mapping, runId });
    expect(run).toMatchObject({ status: 'succeeded', counts: { attributesCreated: 6, created: 1 } });
    expect(bed.sim.counters.byStatus[409]).toBe(1);
    expect(valueIn(bed.sim, 'acct1.com', 'beton_fit')?.value).toBe(60);
  });

  it('refuses to write into an attribute of another type, naming it', async () => {
    bed.sim.store.createAttribute('companies', {
      title: 'Beton grade',
      api_slug: 'beton_grade',
      type: 'number',
    });
    bed.accounts = [scored(1)];
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(plan.attributes.conflicts).toEqual([
      { attribute: 'beton_grade', expected: 'text', actual: 'number' },
    ]);
    const run = await push(bed);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('beton_grade is number, Beton writes text');
    expect(bed.sim.store.countRecords('companies')).toBe(0);
  });

  it('stores rejects with their reasons and retries them on the next run', async () => {
    bed.sim.store.createAttribute('companies', {
      title: 'Owner',
      api_slug: 'owner',
      type: 'text',
      is_required: true,
    });
    bed.sim.store.assertRecord(
      'companies',
      'domains',
      { domains: ['acct1.com'], owner: 'Ann' },
      { type: 'system', id: null },
    );
    bed.accounts = [
      scored(1),
      scored(2),
      scored(3, { beton_health: Number.NaN }),
      { ...scored(4), domain: null },
    ];
    const first = await push(bed);
    expect(first).toMatchObject({ status: 'partial', counts: { updated: 1, created: 0, rejected: 3 } });
    const rejects = await listPushRejects(bed.deps, bed.workspaceId, 'attio');
    expect(Object.fromEntries(rejects.map((r) => [r.key, r.reason]))).toMatchObject({
      'acct2.com': expect.stringContaining('Required value for attribute with slug "owner"'),
      'acct3.com': expect.stringContaining('beton_health is not a number'),
      'account:acc_4': expect.stringContaining('no usable company domain'),
    });

    bed.sim.store.createAttribute('companies', { title: 'Ignored', api_slug: 'ignored', type: 'text' });
    bed.sim.store.assertRecord(
      'companies',
      'domains',
      { domains: ['acct2.com'], owner: 'Bo' },
      { type: 'system', id: null },
    );
    bed.accounts = [scored(1), scored(2), scored(3), { ...scored(4), domain: 'acct4.com' }];
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(plan.items.find((i) => i.key === 'acct2.com')).toMatchObject({
      action: 'update',
      retry: { attempts: 1 },
    });
    const second = await push(bed);
    expect(second).toMatchObject({ status: 'partial', counts: { updated: 1, rejected: 2 } });
    expect(valueIn(bed.sim, 'acct2.com', 'beton_health')?.value).toBe(52);
    const left = await listPushRejects(bed.deps, bed.workspaceId, 'attio');
    expect(left.map((r) => r.key).sort()).toEqual(['acct3.com', 'acct4.com']);
  });

  it('rolls a run back to the values before it, leaving fields changed since alone', async () => {
    bed.accounts = [scored(1), scored(2)];
    await push(bed);
    bed.accounts = [
      scored(1, { beton_health: 5, beton_grade: 'M10' }),
      scored(2, { beton_health: 6 }),
      scored(3),
    ];
    const run = await push(bed);
    expect(run.counts).toMatchObject({ updated: 2, created: 1 });
    bed.sim.editAsPerson('acct2.com', { beton_health: 77 });

    const { done } = await startRollback(bed.deps, bed.workspaceId, run.id, { trigger: 'test', actor });
    const rollback = await done;
    expect(rollback).toMatchObject({ kind: 'rollback', status: 'succeeded', rollbackOf: run.id });
    expect(valueIn(bed.sim, 'acct1.com', 'beton_health')?.value).toBe(51);
    expect(valueIn(bed.sim, 'acct1.com', 'beton_grade')?.value).toBe('M50');
    expect(valueIn(bed.sim, 'acct2.com', 'beton_health')).toMatchObject({
      value: 77,
      author: 'workspace-member',
    });
    expect(valueIn(bed.sim, 'acct3.com', 'beton_health')?.value).toBeNull();
    const { items } = await getPushRun(bed.deps, bed.workspaceId, rollback.id);
    expect(items.find((i) => i.key === 'acct2.com')).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('changed since'),
    });

    const { run: original } = await getPushRun(bed.deps, bed.workspaceId, run.id);
    expect(original.rolledBackBy).toBe(rollback.id);
    await expect(
      startRollback(bed.deps, bed.workspaceId, run.id, { trigger: 'test', actor }),
    ).rejects.toMatchObject({
      status: 409,
    });
    // The last write is the one before the rolled-back run again: the next plan re-applies it.
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(plan.summary).toMatchObject({ updates: 2, creates: 0 });
    expect(plan.items.find((i) => i.key === 'acct1.com')?.changes).toContainEqual({
      attribute: 'beton_health',
      before: 51,
      after: 5,
    });
    expect(plan.items.find((i) => i.key === 'acct2.com')).toMatchObject({
      action: 'unchanged',
      kept: [{ attribute: 'beton_health' }],
    });
    expect(plan.items.find((i) => i.key === 'acct3.com')?.changes).toHaveLength(7);
  });

  it('lets a rollback that failed part-way be started again: it restores the rest, each record once', async () => {
    // Issue 21, finding 7: a failed rollback used to mark the run rolled back (409) and strand the CRM.
    const count = 8;
    bed.accounts = Array.from({ length: count }, (_, i) => scored(i));
    await push(bed);
    bed.accounts = Array.from({ length: count }, (_, i) => scored(i, { beton_health: 5 + i }));
    const run = await push(bed);
    expect(run.counts.updated).toBe(count);
    const writesBefore = bed.sim.counters.writes;

    const stop = new AbortController();
    const first = await startRollback(bed.deps, bed.workspaceId, run.id, {
      trigger: 'test',
      actor,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.done >= 3) stop.abort();
      },
    });
    const failed = await first.done;
    expect(failed).toMatchObject({ kind: 'rollback', status: 'failed' });
    const restoredFirst = failed.counts.updated;
    expect(restoredFirst).toBeGreaterThanOrEqual(3);
    expect(restoredFirst).toBeLessThan(count);
    const firstItems = (await getPushRun(bed.deps, bed.workspaceId, failed.id)).items;
    expect(firstItems.filter((i) => i.status === 'written')).toHaveLength(restoredFirst);

    const again = await startRollback(bed.deps, bed.workspaceId, run.id, { trigger: 'test', actor });
    const second = await again.done;
    expect(second).toMatchObject({ status: 'succeeded', rollbackOf: run.id });
    expect(second.counts.updated).toBe(count - restoredFirst);
    const secondKeys = (await getPushRun(bed.deps, bed.workspaceId, second.id)).items.map((i) => i.key);
    expect(secondKeys.filter((k) => firstItems.some((i) => i.key === k))).toEqual([]);
    // Every record restored, by one write each across the two rollbacks.
    expect(bed.sim.counters.writes - writesBefore).toBe(count);
    for (let i = 0; i < count; i++) {
      expect(valueIn(bed.sim, `acct${i}.com`, 'beton_health')?.value).toBe(scored(i).fields.beton_health);
    }
    const { run: original } = await getPushRun(bed.deps, bed.workspaceId, run.id);
    expect(original.rolledBackBy).toBe(second.id);
    // One that succeeded is final.
    await expect(
      startRollback(bed.deps, bed.workspaceId, run.id, { trigger: 'test', actor }),
    ).rejects.toMatchObject({ status: 409, code: 'already_rolled_back' });
  });

  it('adds one note per new high-priority signal when notes are on (off by default)', async () => {
    const signal = {
      id: 'occ_1',
      key: 'usage_spike',
      title: 'Usage spike',
      priority: 'high' as const,
      firedAt: '2025-05-01T00:00:00Z',
      explanation: 'Events tripled week over week.',
    };
    bed.accounts = [{ ...scored(1), signals: [signal, { ...signal, id: 'occ_2', priority: 'low' }] }];
    await push(bed);
    expect(bed.sim.store.listNotes()).toHaveLength(0);

    await bed.connect({ notes: true });
    const plan = await planPush(bed.deps, bed.workspaceId, 'attio');
    expect(plan.summary).toMatchObject({ notes: 1, updates: 0 });
    const run = await push(bed);
    expect(run.counts.notes).toBe(1);
    const notes = bed.sim.store.listNotes();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      title: 'Beton: Usage spike',
      content_plaintext: expect.stringContaining('tripled'),
    });
    await push(bed);
    expect(bed.sim.store.listNotes()).toHaveLength(1);
  });

  it('refuses a second push while one runs', async () => {
    bed.accounts = Array.from({ length: 30 }, (_, i) => scored(i));
    const first = await startPush(bed.deps, bed.workspaceId, 'attio', { trigger: 'test', actor });
    await expect(
      startPush(bed.deps, bed.workspaceId, 'attio', { trigger: 'test', actor }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'push_running',
    });
    await first.done;
  });
});
