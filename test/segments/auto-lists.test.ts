import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { SYSTEM_ACTOR } from '../../src/integrations/attio/simulator/store.js';
import { enqueueDueListSyncs } from '../../src/jobs/index.js';
import { RecordWriter } from '../accounts/records.js';
import { waitFor } from '../jobs/support.js';
import { type AnyJson, createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * A segment that keeps its CRM list in sync by itself: through the API it opts in, every score run
 * (the `score.run` job) that changes who is in it is followed by an automatic list sync on the job
 * queue — the list in the CRM simulator, over HTTP, follows the segment in and out — and a score run
 * that changes nobody starts none. Automatic runs are in the list-run history and roll back like
 * any other.
 */

const NOW = new Date('2025-06-15T12:00:00.000Z');
const DAY = 86_400_000;
let now = NOW;
const clock: Clock = { now: () => now };
const day = (ago: number) => new Date(NOW.getTime() - ago * DAY).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * DAY).toISOString();

let t: TestRuntime;
let attio: AttioSimulator;
const recordOf = new Map<string, string>();
let segmentId = '';

const runs = async (): Promise<AnyJson[]> =>
  (await t.request('GET', `/api/v1/segments/${segmentId}/list-runs`, { key: t.keys.viewer })).json.items;

/** Wait until the segment has `count` list runs, none running; answers them newest first. */
async function settledRuns(count: number): Promise<AnyJson[]> {
  const settled = await waitFor(
    `${count} finished list runs`,
    async () => {
      const items = await runs();
      return items.length === count && items.every((r) => r.status !== 'running') ? items : null;
    },
    30_000,
  );
  return settled!;
}

/** The domains on the list, sorted. */
function onList(listId: string) {
  const domainOf = new Map([...recordOf].map(([domain, record]) => [record, domain]));
  return attio.store
    .queryEntries(listId, { limit: 500 })
    .map((e) => domainOf.get(e.parent_record_id) ?? e.parent_record_id)
    .sort();
}

/** A score run through the API, executed by the job worker; resolves when it has finished. */
async function scoreRun() {
  const started = await t.request('POST', '/api/v1/score-runs', { key: t.keys.member, body: {} });
  expect(started.status, started.text).toBe(202);
  await waitFor(
    'the score run',
    async () => {
      const run = (
        await t.request('GET', `/api/v1/score-runs/${started.json.run.id}`, { key: t.keys.viewer })
      ).json.run;
      return run.status !== 'running' ? run : undefined;
    },
    60_000,
  );
}

beforeAll(async () => {
  t = await createTestRuntime({ clock, env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  attio = createAttioSimulator();
  await attio.listen();
  const put = await t.request('PUT', '/api/v1/integrations/attio', {
    key: t.keys.admin,
    body: { credentials: { apiKey: DEFAULT_ATTIO_TOKEN }, settings: { baseUrl: attio.url } },
  });
  expect(put.status, put.text).toBe(200);
  for (const domain of ['acme.io', 'globex.com']) {
    const { record } = attio.store.assertRecord(
      'companies',
      'domains',
      { domains: [domain], name: domain },
      SYSTEM_ACTOR,
    );
    recordOf.set(domain, record.id.record_id);
  }
  // Acme's usage spiked in the last week; Globex's fell.
  const w = new RecordWriter(t.rt.db.kysely, t.workspaceId, at(0));
  await w.groupType(0, 'company');
  await w.group('acme.io', 'Acme', at(300));
  await w.group('globex.com', 'Globex', at(300));
  for (let i = 1; i <= 60; i++) {
    await w.usage('acme.io', day(i), 'feature_used', i <= 7 ? 60 : 20);
    await w.usage('globex.com', day(i), 'feature_used', i <= 7 ? 2 : 30);
  }
  const created = await t.request('POST', '/api/v1/segments', {
    key: t.keys.member,
    body: { name: 'Spiking', filter: { signal: 'usage_spike', signalDays: 7 } },
  });
  expect(created.status, created.text).toBe(201);
  segmentId = created.json.id;
  await t.rt.jobs.start();
}, 60_000);

afterAll(async () => {
  await t?.close();
  await attio?.close();
});

describe('a segment keeping its CRM list in sync after score runs', { timeout: 120_000 }, () => {
  it('syncs after each score run that changes the segment, and not after one that changes nobody', async () => {
    // Opting in syncs once at once: the list is made, empty (nobody is scored yet).
    const viewerTry = await t.request('PUT', `/api/v1/segments/${segmentId}/auto-lists/attio`, {
      key: t.keys.viewer,
      body: {},
    });
    expect(viewerTry.status).toBe(403);
    const enabled = await t.request('PUT', `/api/v1/segments/${segmentId}/auto-lists/attio`, {
      key: t.keys.member,
      body: {},
    });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.json).toMatchObject({ destination: 'attio', listName: 'Beton: Spiking', due: true });
    const [first] = await settledRuns(1);
    expect(first).toMatchObject({ trigger: 'auto', kind: 'sync', status: 'succeeded', added: 0, removed: 0 });
    const listId = first!.listId as string;
    expect(onList(listId)).toEqual([]);

    // A score run puts Acme in the segment: the list follows. (The clock moves a minute per step,
    // so the history's newest-first order is the order of the steps.)
    now = new Date(NOW.getTime() + 60_000);
    await scoreRun();
    const [second] = await settledRuns(2);
    expect(second).toMatchObject({ trigger: 'auto', status: 'succeeded', added: 1, removed: 0 });
    expect(onList(listId)).toEqual(['acme.io']);
    const listed = await t.request('GET', `/api/v1/segments/${segmentId}/auto-lists`, { key: t.keys.viewer });
    expect(listed.json.items).toMatchObject([{ destination: 'attio', due: false }]);

    // The same scores again: nobody enters or leaves, so no sync runs.
    now = new Date(NOW.getTime() + 120_000);
    await scoreRun();
    expect(await enqueueDueListSyncs(t.rt.jobs, t.rt.db.kysely, t.workspaceId)).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await runs()).toHaveLength(2);

    // Ten days on the spike is out of the window: Acme leaves the segment and the list.
    now = new Date(NOW.getTime() + 10 * DAY);
    await scoreRun();
    const [third] = await settledRuns(3);
    expect(third).toMatchObject({ trigger: 'auto', status: 'succeeded', added: 0, removed: 1 });
    expect(onList(listId)).toEqual([]);

    // An automatic run rolls back like one started by hand.
    const undo = await t.request('POST', `/api/v1/segment-list-runs/${third!.id}/rollback`, {
      key: t.keys.member,
    });
    expect(undo.status, undo.text).toBe(200);
    expect(undo.json).toMatchObject({ kind: 'rollback', trigger: 'manual', status: 'succeeded', added: 1 });
    expect(onList(listId)).toEqual(['acme.io']);
  });

  it('stops when the segment opts out; refuses a CRM that is not connected and other workspaces', async () => {
    const off = await t.request('DELETE', `/api/v1/segments/${segmentId}/auto-lists/attio`, {
      key: t.keys.member,
    });
    expect(off.status, off.text).toBe(200);
    const again = await t.request('DELETE', `/api/v1/segments/${segmentId}/auto-lists/attio`, {
      key: t.keys.member,
    });
    expect(again.status).toBe(404);
    expect(
      (await t.request('GET', `/api/v1/segments/${segmentId}/auto-lists`, { key: t.keys.viewer })).json.items,
    ).toEqual([]);
    const before = (await runs()).length;
    now = new Date(NOW.getTime() + 20 * DAY);
    await scoreRun();
    expect(await enqueueDueListSyncs(t.rt.jobs, t.rt.db.kysely, t.workspaceId)).toBe(0);
    expect(await runs()).toHaveLength(before);

    const unconnected = await t.request('PUT', `/api/v1/segments/${segmentId}/auto-lists/hubspot`, {
      key: t.keys.member,
      body: {},
    });
    expect(unconnected.status).toBe(404);
    expect(unconnected.json.error.code).toBe('not_connected');

    const other = await t.createOtherWorkspace();
    const foreign = await t.request('PUT', `/api/v1/segments/${segmentId}/auto-lists/attio`, {
      key: other.keys.member,
      body: {},
    });
    expect(foreign.status).toBe(404);
    const audit = await t.rt.db.kysely
      .selectFrom('audit_log')
      .select('action')
      .where('workspace_id', '=', t.workspaceId)
      .where('action', 'like', 'segment.auto_list%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual([
      'segment.auto_list_disable',
      'segment.auto_list_enable',
    ]);
  });
});
