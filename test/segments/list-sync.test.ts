import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/integrations/attio/simulator/store.js';
import { accountFilter } from '../../src/scoring/index.js';
import {
  createSegment,
  evaluateSegments,
  listRunsOfSegment,
  planListSync,
  rollbackListRun,
  runListSync,
  segmentMembers,
  updateSegment,
} from '../../src/segments/index.js';
import { createPushTestbed, type PushTestbed } from '../push/testbed.js';
import { seedAccounts, WORLD } from './world.js';

/**
 * A segment kept in step with a list in the CRM simulator over HTTP: the plan names exactly the
 * entries to add and remove, a run writes exactly those (untouched entries keep their ids), and
 * rollbacks put the list back as it was, run by run.
 */

const NOW = new Date('2026-12-07T12:00:00.000Z');
const LIST = 'Pro accounts (sales)';
let bed: PushTestbed;
const db = () => bed.testDb.db.kysely;
const recordOf = new Map<string, string>();

/** The list's entries as domains (or record ids for companies Beton does not know), sorted. */
function onList() {
  const byRecord = new Map([...recordOf].map(([d, r]) => [r, d]));
  return bed.sim.store
    .queryEntries('beton_pro', { limit: 500 })
    .map((e) => byRecord.get(e.parent_record_id) ?? e.parent_record_id)
    .sort();
}
const entryIdOf = (domain: string) =>
  bed.sim.store
    .queryEntries('beton_pro', { limit: 500 })
    .find((e) => e.parent_record_id === recordOf.get(domain))?.id.entry_id;

beforeAll(async () => {
  bed = await createPushTestbed();
  await bed.connect();
  await seedAccounts(db(), bed.workspaceId, WORLD);
  // Companies in the CRM: every world account but umbrella.org.
  for (const domain of ['acme.io', 'initech.net', 'globex.com', 'hooli.xyz', 'stark.dev']) {
    const { record } = bed.sim.store.assertRecord(
      'companies',
      'domains',
      { domains: [domain], name: domain },
      SYSTEM_ACTOR,
    );
    recordOf.set(domain, record.id.record_id);
  }
  // The list exists already, made in the CRM: a member on it, and a company that is not a member.
  bed.sim.store.createList({ api_slug: 'beton_pro', name: LIST, parent_object: 'companies' });
  for (const domain of ['initech.net', 'stark.dev'])
    bed.sim.store.assertEntry(
      'beton_pro',
      { parent_object: 'companies', parent_record_id: recordOf.get(domain)! },
      SYSTEM_ACTOR,
    );
  await createSegment(
    db(),
    bed.workspaceId,
    { name: 'Pro accounts', filter: accountFilter.parse({ plan: 'pro' }) },
    null,
    NOW.toISOString(),
  );
  await evaluateSegments(db(), bed.workspaceId, NOW);
});
afterAll(() => bed?.close());

describe('segment list sync', () => {
  const opts = { destination: 'attio', listName: LIST };

  it('plans exactly the difference, syncs it, and rolls back run by run', async () => {
    const members = (await segmentMembers(db(), bed.workspaceId, 'Pro accounts')).items.map((m) => m.domain);
    expect(members.sort()).toEqual(['acme.io', 'initech.net', 'umbrella.org']);
    const initechEntry = entryIdOf('initech.net');

    const writesBefore = bed.sim.applied.writes;
    const plan = await planListSync(bed.deps, bed.workspaceId, 'Pro accounts', opts);
    expect(bed.sim.applied.writes).toBe(writesBefore); // a plan writes nothing
    expect(plan.add.map((a) => a.domain)).toEqual(['acme.io']);
    expect(plan.remove.map((r) => r.recordId)).toEqual([recordOf.get('stark.dev')]);
    expect(plan.missing.map((m) => m.domain)).toEqual(['umbrella.org']);
    expect(plan.unchanged).toBe(1);

    const first = await runListSync(bed.deps, bed.workspaceId, 'Pro accounts', opts, 'user_1');
    expect(first).toMatchObject({ status: 'succeeded', added: 1, removed: 1, missing: 1, failed: 0 });
    expect(bed.sim.applied.writes - writesBefore).toBe(2); // one add, one remove
    expect(onList()).toEqual(['acme.io', 'initech.net']);
    expect(entryIdOf('initech.net')).toBe(initechEntry); // untouched

    // The segment changes: business accounts instead.
    await updateSegment(
      db(),
      bed.workspaceId,
      'Pro accounts',
      { filter: accountFilter.parse({ plan: 'business' }) },
      NOW.toISOString(),
    );
    await evaluateSegments(db(), bed.workspaceId, new Date(NOW.getTime() + 60_000));
    const second = await runListSync(bed.deps, bed.workspaceId, 'Pro accounts', opts, 'user_1');
    expect(second).toMatchObject({ status: 'succeeded', added: 2, removed: 2 });
    expect(onList()).toEqual(['globex.com', 'hooli.xyz']);

    // Only the latest sync can be undone.
    await expect(rollbackListRun(bed.deps, bed.workspaceId, first.id, 'user_1')).rejects.toMatchObject({
      status: 409,
    });
    const undoSecond = await rollbackListRun(bed.deps, bed.workspaceId, second.id, 'user_1');
    expect(undoSecond).toMatchObject({ kind: 'rollback', rollbackOf: second.id, status: 'succeeded' });
    expect(onList()).toEqual(['acme.io', 'initech.net']);
    const undoFirst = await rollbackListRun(bed.deps, bed.workspaceId, first.id, 'user_1');
    expect(undoFirst.status).toBe('succeeded');
    // The same companies as before the first sync (an entry put back is a new entry).
    expect(onList()).toEqual(['initech.net', 'stark.dev']);

    const runs = await listRunsOfSegment(db(), bed.workspaceId, 'Pro accounts');
    expect(runs.map((r) => `${r.kind}:${r.status}`)).toEqual([
      'rollback:succeeded',
      'rollback:succeeded',
      'sync:rolled_back',
      'sync:rolled_back',
    ]);
  });

  it('creates the list when it does not exist, and refuses a destination without lists', async () => {
    const plan = await planListSync(bed.deps, bed.workspaceId, 'Pro accounts', { destination: 'attio' });
    expect(plan).toMatchObject({ listName: 'Beton: Pro accounts', listId: null });
    const run = await runListSync(bed.deps, bed.workspaceId, 'Pro accounts', { destination: 'attio' }, null);
    expect(run.status).toBe('succeeded');
    const created = bed.sim.store.listLists().find((l) => l.name === 'Beton: Pro accounts');
    expect(created?.api_slug).toMatch(/^beton_beton_pro_accounts_[0-9a-f]{6}$/);
    await expect(
      planListSync(bed.deps, bed.workspaceId, 'Pro accounts', { destination: 'nope' }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('runs one sync of a list at a time: of two started together, the second is refused (409)', async () => {
    const start = () =>
      runListSync(bed.deps, bed.workspaceId, 'Pro accounts', { destination: 'attio', trigger: 'auto' }, null);
    const outcomes = await Promise.allSettled([start(), start()]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ status: 409, code: 'list_sync_running' });
    const [latest] = await listRunsOfSegment(db(), bed.workspaceId, 'Pro accounts');
    expect(latest).toMatchObject({ trigger: 'auto', status: 'succeeded' });
  });
});
