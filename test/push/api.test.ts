import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApolloSimulator,
  createApolloSimulator,
} from '../../src/integrations/apollo/simulator/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import { type AnyJson, createTestRuntime, type TestRuntime } from '../support/index.js';

/** What a score run leaves behind: an account and its scores (the push reads these). */
async function scoreAccount(rt: Runtime, workspaceId: string, i: number, health: number) {
  const now = new Date().toISOString();
  const id = `acc_api_${i}`;
  await rt.db.kysely
    .insertInto('accounts')
    .values({
      id,
      workspace_id: workspaceId,
      domain: `api${i}.com`,
      name: `Api ${i}`,
      name_source: 'domain',
      signup_at: null,
      history_json: null,
      history_hash: null,
      touched_at: null,
      replay_needed: 0,
      link_count: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const scores = {
    health,
    expansion: 40,
    churn_risk: 20,
    fit: 70,
    score: health,
    grade: 'M75',
    top_signals_json: JSON.stringify([
      { key: 'usage_spike', title: 'Usage spike', direction: 'expansion', share: 60, explanation: 'x' },
    ]),
    explanation_json: '{}',
    health_history_json: '[]',
    signal_keys: ',usage_spike,',
    row_hash: String(health),
    scored_at: now,
    run_id: null,
  };
  await rt.db.kysely
    .insertInto('account_scores')
    .values({ workspace_id: workspaceId, account_id: id, ...scores })
    .onConflict((oc) => oc.columns(['workspace_id', 'account_id']).doUpdateSet(scores))
    .execute();
}

async function settle(t: TestRuntime, path: string, key: string): Promise<AnyJson> {
  for (let i = 0; i < 200; i++) {
    const res = await t.request('GET', path, { key });
    if (res.json.run.status !== 'running') return res.json;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not finish`);
}

let t: TestRuntime;
let attio: AttioSimulator;
let apollo: ApolloSimulator;

beforeAll(async () => {
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  // The API queues push and rollback runs; this process's job runner executes them.
  await t.rt.jobs.start();
  attio = createAttioSimulator();
  apollo = createApolloSimulator({
    keys: [{ apiKey: 'apollo_free_key_01', plan: 'free', inaccessible: ['organizations/bulk_enrich'] }],
  });
  await attio.listen();
  await apollo.listen();
  const put = await t.request('PUT', '/api/v1/integrations/attio', {
    key: t.keys.admin,
    body: { credentials: { apiKey: DEFAULT_ATTIO_TOKEN }, settings: { baseUrl: attio.url } },
  });
  expect(put.status, put.text).toBe(200);
  for (let i = 0; i < 5; i++) await scoreAccount(t.rt, t.workspaceId, i, 50 + i);
});
afterAll(async () => {
  await t.close();
  await attio.close();
  await apollo.close();
});

describe('push API', () => {
  it('plans without writing, runs, lists history and rolls back', async () => {
    const plan = await t.request('POST', '/api/v1/push/attio/plan', { key: t.keys.member, body: {} });
    expect(plan.status).toBe(200);
    expect(plan.json.plan.summary).toMatchObject({ accounts: 5, creates: 5, writes: 12 });
    expect(plan.json.plan.items[0].changes).toContainEqual({
      attribute: 'beton_top_signals',
      before: null,
      after: 'Usage spike',
    });
    expect(attio.counters.writes).toBe(0);

    expect((await t.request('POST', '/api/v1/push/attio/run', { key: t.keys.viewer, body: {} })).status).toBe(
      403,
    );
    const started = await t.request('POST', '/api/v1/push/attio/run', { key: t.keys.member, body: {} });
    expect(started.status).toBe(202);
    expect(started.json.run).toMatchObject({ status: 'running', kind: 'push', trigger: 'api' });
    const done = await settle(t, `/api/v1/push-runs/${started.json.run.id}`, t.keys.viewer);
    expect(done.run).toMatchObject({ status: 'succeeded', counts: { created: 5, attributesCreated: 7 } });
    expect(done.items).toHaveLength(5);

    await scoreAccount(t.rt, t.workspaceId, 0, 10);
    const second = await t.request('POST', '/api/v1/push/attio/run', { key: t.keys.member, body: {} });
    const secondDone = await settle(t, `/api/v1/push-runs/${second.json.run.id}`, t.keys.viewer);
    expect(secondDone.run.counts).toMatchObject({ updated: 1, writes: 1 });
    expect(secondDone.items[0].changes).toContainEqual({ attribute: 'beton_health', before: 50, after: 10 });

    const list = await t.request('GET', '/api/v1/push-runs?limit=10', { key: t.keys.viewer });
    expect(list.json.runs.map((r: AnyJson) => r.id)).toEqual([second.json.run.id, started.json.run.id]);

    expect(
      (await t.request('POST', `/api/v1/push-runs/${second.json.run.id}/rollback`, { key: t.keys.member }))
        .status,
    ).toBe(403);
    const rollback = await t.request('POST', `/api/v1/push-runs/${second.json.run.id}/rollback`, {
      key: t.keys.admin,
    });
    expect(rollback.status).toBe(202);
    const rolled = await settle(t, `/api/v1/push-runs/${rollback.json.run.id}`, t.keys.viewer);
    expect(rolled.run).toMatchObject({
      kind: 'rollback',
      status: 'succeeded',
      rollbackOf: second.json.run.id,
    });
    const record = attio.store.queryRecords('companies', { filter: { domains: 'api0.com' } })[0]!;
    expect(record.values.beton_health![0]!.value).toBe(50);
    const again = await t.request('POST', `/api/v1/push-runs/${second.json.run.id}/rollback`, {
      key: t.keys.admin,
    });
    expect(again.status).toBe(409);

    const audit = await t.request('GET', '/api/v1/audit-log', { key: t.keys.admin });
    const actions = (audit.json.entries as AnyJson[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['push.run', 'push.rollback']));
  });

  it('hides runs of another workspace and names the known destinations', async () => {
    const runs = await t.request('GET', '/api/v1/push-runs', { key: t.keys.viewer });
    const other = await t.createOtherWorkspace();
    const id = runs.json.runs[0].id;
    expect((await t.request('GET', `/api/v1/push-runs/${id}`, { key: other.keys.admin })).status).toBe(404);
    expect(
      (await t.request('POST', `/api/v1/push-runs/${id}/rollback`, { key: other.keys.admin })).status,
    ).toBe(404);
    expect((await t.request('GET', '/api/v1/push-runs', { key: other.keys.admin })).json.runs).toEqual([]);
    const unknown = await t.request('POST', '/api/v1/push/nosuchcrm/plan', { key: t.keys.member, body: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('attio');
    expect(unknown.text).toContain('hubspot');
    const notConnected = await t.request('POST', '/api/v1/push/attio/plan', {
      key: other.keys.member,
      body: {},
    });
    expect(notConnected.status).toBe(404);
    expect(notConnected.json.error.code).toBe('not_connected');
  });
});

describe('enrichment API', () => {
  it("plans, and reports Apollo's 403 plan error on the run as a clear message", async () => {
    const put = await t.request('PUT', '/api/v1/integrations/apollo', {
      key: t.keys.admin,
      body: {
        credentials: { apiKey: 'apollo_free_key_01' },
        settings: { baseUrl: `${apollo.url}/api/v1`, monthlyCreditCap: 100 },
      },
    });
    expect(put.status).toBe(200);
    const plan = await t.request('POST', '/api/v1/enrichment/plan', { key: t.keys.member });
    expect(plan.json.plan).toMatchObject({
      domains: 5,
      toEnrich: 5,
      calls: 1,
      maxCredits: 5,
      monthlyCreditCap: 100,
    });
    const started = await t.request('POST', '/api/v1/enrichment/run', { key: t.keys.member });
    expect(started.status).toBe(202);
    const done = await settle(t, `/api/v1/enrichment/runs/${started.json.run.id}`, t.keys.viewer);
    expect(done.run.status).toBe('failed');
    expect(done.run.error).toContain('Apollo refused organization enrichment for this key');
    expect(done.run.error).toContain('upgrade the Apollo plan');
    expect(
      (await t.request('GET', '/api/v1/enrichment/domains/api1.com', { key: t.keys.viewer })).status,
    ).toBe(404);
  });
});
