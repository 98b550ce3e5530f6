import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import {
  type ApolloSimulator,
  createApolloSimulator,
} from '../../src/integrations/apollo/simulator/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { resumeQueuedRuns } from '../../src/jobs/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';
import { type AnyJson, createTestRuntime, type TestRuntime } from '../support/index.js';
import { waitFor } from './support.js';

/**
 * Enrichment, push and rollback runs started through the API of a process that runs no jobs
 * (`beton serve --no-worker`) are executed by a separate worker runtime on the same database,
 * holding the connection's exclusive key like a sync; a stopping worker hands its push to the
 * next. On SQLite the worker learns of them through its schedule's resume step (called here
 * directly); on Postgres through the shared pg-boss queue.
 */

const APOLLO_KEY = 'apollo_paid_key_01';
const dataset = generateDataset({ seed: 'run-jobs', companies: 24 });
const silent = createLogger({ level: process.env.LOG_LEVEL ?? 'silent' });

let t: TestRuntime;
const workers: Runtime[] = [];
const sims: Array<AttioSimulator | ApolloSimulator> = [];

/** A second runtime on the API runtime's database that runs the jobs: what `beton worker` starts. */
async function startWorkerRuntime(): Promise<Runtime> {
  const schema =
    t.rt.db.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(t.rt.db.kysely)).rows[0]!.s
      : undefined;
  const rt = await createRuntime(t.config, {
    logger: silent,
    migrate: false,
    ...(schema ? { schema } : {}),
    jobs: { leaseSeconds: 5, pollSeconds: 0.5, maintenanceSeconds: 1 },
  });
  await rt.jobs.start();
  workers.push(rt);
  return rt;
}

/** What the worker's once-a-minute schedule does first (SQLite's only way to see the API's runs). */
const tick = (worker: Runtime) => resumeQueuedRuns(worker, worker.jobs);

/** An account with scores, as a score run leaves it (the push reads these). */
async function scoredAccount(workspaceId: string, domain: string, health: number) {
  const now = new Date().toISOString();
  const id = `acc_${workspaceId.slice(-6)}_${domain}`;
  await t.rt.db.kysely
    .insertInto('accounts')
    .values({
      id,
      workspace_id: workspaceId,
      domain,
      name: domain,
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
    .execute();
  await t.rt.db.kysely
    .insertInto('account_scores')
    .values({
      workspace_id: workspaceId,
      account_id: id,
      health,
      expansion: 40,
      churn_risk: 20,
      fit: 70,
      score: health,
      grade: 'M75',
      top_signals_json: '[]',
      explanation_json: '{}',
      health_history_json: '[]',
      signal_keys: '',
      row_hash: String(health),
      scored_at: now,
      run_id: null,
    })
    .execute();
}

async function connectAttio(key: string, opts: { latencyMs?: number } = {}): Promise<AttioSimulator> {
  const attio = createAttioSimulator(opts.latencyMs ? { knobs: { latencyMs: opts.latencyMs } } : {});
  await attio.listen();
  sims.push(attio);
  const put = await t.request('PUT', '/api/v1/integrations/attio', {
    key,
    body: { credentials: { apiKey: DEFAULT_ATTIO_TOKEN }, settings: { baseUrl: attio.url } },
  });
  expect(put.status, put.text).toBe(200);
  return attio;
}

/** Poll a run through the API until it has ended. */
async function settle(path: string, key: string): Promise<AnyJson> {
  return waitFor(
    `${path} to end`,
    async () => {
      const res = await t.request('GET', path, { key });
      return res.json.run.status !== 'running' && res.json.run.status !== 'queued' ? res.json : undefined;
    },
    60_000,
  );
}

const pushRow = (id: string) =>
  t.rt.db.kysely
    .selectFrom('push_runs')
    .select(['status', 'heartbeat_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  // The API process: it answers and queues; its job runner is never started.
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  await startWorkerRuntime();
});

afterAll(async () => {
  for (const w of workers) await w.close();
  await t?.close();
  await Promise.all(sims.map((s) => s.close()));
});

describe('enrich and push runs go through the job queue', { timeout: 120_000 }, () => {
  it('a push and its rollback started through the API are executed by the worker', async () => {
    const attio = await connectAttio(t.keys.admin);
    for (let i = 0; i < 4; i++) await scoredAccount(t.workspaceId, `push${i}.com`, 50 + i);

    const started = await t.request('POST', '/api/v1/push/attio/run', { key: t.keys.member, body: {} });
    expect(started.status, started.text).toBe(202);
    // The run exists at once, so the web app can follow it; no process has taken it yet.
    expect(started.json.run).toMatchObject({ status: 'running', kind: 'push', counts: { created: 0 } });
    // The job is in the shared queue on Postgres (nothing to hand back); on SQLite only the tick finds it.
    expect(await tick(workers[0]!)).toBe(t.rt.jobs.kind === 'pg-boss' ? 0 : 1);
    const done = await settle(`/api/v1/push-runs/${started.json.run.id}`, t.keys.viewer);
    expect(done.run).toMatchObject({ status: 'succeeded', counts: { created: 4 } });
    expect(attio.store.queryRecords('companies')).toHaveLength(4);

    const rollback = await t.request('POST', `/api/v1/push-runs/${started.json.run.id}/rollback`, {
      key: t.keys.admin,
    });
    expect(rollback.status, rollback.text).toBe(202);
    await tick(workers[0]!);
    const undone = await settle(`/api/v1/push-runs/${rollback.json.run.id}`, t.keys.viewer);
    expect(undone.run).toMatchObject({
      kind: 'rollback',
      status: 'succeeded',
      rollbackOf: started.json.run.id,
    });
  });

  it('an enrichment started through the API is executed by the worker', async () => {
    const apollo = createApolloSimulator({ dataset, keys: [{ apiKey: APOLLO_KEY, plan: 'professional' }] });
    await apollo.listen();
    sims.push(apollo);
    const put = await t.request('PUT', '/api/v1/integrations/apollo', {
      key: t.keys.admin,
      body: { credentials: { apiKey: APOLLO_KEY }, settings: { baseUrl: `${apollo.url}/api/v1` } },
    });
    expect(put.status, put.text).toBe(200);
    const domains = dataset.firmographics.map((f) => f.domain);
    for (const [i, domain] of domains.entries()) await scoredAccount(t.workspaceId, domain, 40 + i);

    const [first, second] = await Promise.all([
      t.request('POST', '/api/v1/enrichment/run', { key: t.keys.member }),
      t.request('POST', '/api/v1/enrichment/run', { key: t.keys.member }),
    ]);
    // Two starts at once: one run, the other refused while it is open.
    expect([first.status, second.status].sort()).toEqual([202, 409]);
    const run = (first.status === 202 ? first : second).json.run;
    expect((first.status === 409 ? first : second).json.error.code).toBe('enrichment_running');
    expect(run.status).toBe('running');
    await tick(workers[0]!);
    const done = await settle(`/api/v1/enrichment/runs/${run.id}`, t.keys.viewer);
    const found = dataset.firmographics.filter((f) => f.found).length;
    expect(done.run).toMatchObject({ status: 'succeeded', counts: { found, creditsSpent: found } });
    expect(apollo.ledger().spent).toBe(found);
  });

  it('one connection, one run at a time: a second push is refused; a sync and a push of it take turns', async () => {
    const other = await t.createOtherWorkspace();
    await connectAttio(other.keys.admin, { latencyMs: 120 });
    for (let i = 0; i < 3; i++) await scoredAccount(other.workspaceId, `turns${i}.com`, 60 + i);

    const [a, b] = await Promise.all([
      t.request('POST', '/api/v1/push/attio/run', { key: other.keys.member, body: {} }),
      t.request('POST', '/api/v1/push/attio/run', { key: other.keys.member, body: {} }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    expect((a.status === 409 ? a : b).json.error.code).toBe('push_running');
    const firstPush = (a.status === 202 ? a : b).json.run.id as string;
    await tick(workers[0]!);
    await settle(`/api/v1/push-runs/${firstPush}`, other.keys.viewer);

    // A sync of Attio and a push to it share the connection's key: never both executing at once.
    const sync = await t.request('POST', '/api/v1/integrations/attio/sync', {
      key: other.keys.member,
      body: {},
    });
    expect(sync.status, sync.text).toBe(202);
    const push = await t.request('POST', '/api/v1/push/attio/run', {
      key: other.keys.member,
      body: { full: true },
    });
    expect(push.status, push.text).toBe(202);
    await tick(workers[0]!);
    let overlapped = 0;
    let waited = 0;
    await waitFor(
      'the sync and the push to end',
      async () => {
        const s = await t.rt.db.kysely
          .selectFrom('sync_runs')
          .select('status')
          .where('id', '=', sync.json.runId)
          .executeTakeFirstOrThrow();
        const p = await pushRow(push.json.run.id);
        const syncing = s.status === 'running';
        const pushing = p.status === 'running' && p.heartbeat_at !== null;
        if (syncing && pushing) overlapped += 1;
        if ((syncing && p.status === 'running' && !pushing) || (pushing && s.status === 'queued'))
          waited += 1;
        return !['queued', 'running'].includes(s.status) && p.status !== 'running';
      },
      60_000,
    );
    expect(overlapped).toBe(0);
    // They did contend (one waited while the other ran), so the check above means something.
    expect(waited).toBeGreaterThan(0);
    const pushed = await settle(`/api/v1/push-runs/${push.json.run.id}`, other.keys.viewer);
    expect(pushed.run.status).toBe('succeeded');
    const synced = await t.request('GET', `/api/v1/sync-runs/${sync.json.runId}`, { key: other.keys.viewer });
    expect(synced.json.run.status).toBe('succeeded');
  });

  it('a stopping worker hands its push back: the next worker finishes it, each record written once', async () => {
    const other = await t.createOtherWorkspace();
    const attio = await connectAttio(other.keys.admin, { latencyMs: 60 });
    const ACCOUNTS = 40;
    for (let i = 0; i < ACCOUNTS; i++) await scoredAccount(other.workspaceId, `handback${i}.com`, 30 + i);

    const started = await t.request('POST', '/api/v1/push/attio/run', { key: other.keys.member, body: {} });
    expect(started.status, started.text).toBe(202);
    const runId = started.json.run.id as string;
    await tick(workers[0]!);
    await waitFor('the first records written', async () => {
      const res = await t.request('GET', `/api/v1/push-runs/${runId}?limit=0`, { key: other.keys.viewer });
      return res.json.run.counts.created > 0;
    });
    // SIGTERM: the worker stops taking jobs, ends the writes in flight and hands the run back.
    await workers[0]!.jobs.stop({ graceMs: 10_000 });
    const left = await pushRow(runId);
    expect(left).toEqual({ status: 'running', heartbeat_at: null });
    const writtenBefore = attio.store.queryRecords('companies').length;
    expect(writtenBefore).toBeLessThan(ACCOUNTS);

    const next = await startWorkerRuntime();
    await tick(next);
    const done = await settle(`/api/v1/push-runs/${runId}?limit=0`, other.keys.viewer);
    expect(done.run).toMatchObject({ status: 'succeeded', counts: { planned: ACCOUNTS } });
    // Each company once in the CRM (a write cut off at the stop reached Attio unrecorded: the next
    // worker's plan finds that record there instead of creating it again), each record at most once
    // in the run's items, and the run's count is its items'.
    const companies = attio.store.queryRecords('companies');
    expect(companies).toHaveLength(ACCOUNTS);
    const items = await t.rt.db.kysely
      .selectFrom('push_run_items')
      .select(({ fn }) => [
        fn.countAll<number>().as('n'),
        fn.count<number>('record_key').distinct().as('keys'),
      ])
      .where('run_id', '=', runId)
      .where('status', '=', 'written')
      .executeTakeFirstOrThrow();
    expect(Number(items.keys)).toBe(Number(items.n));
    expect(done.run.counts.created).toBe(Number(items.n));
    expect(done.run.counts.created).toBeGreaterThan(ACCOUNTS - 16);
  });
});
