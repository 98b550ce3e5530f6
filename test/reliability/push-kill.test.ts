import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionDeps, putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import type { DatabaseTarget } from '../../src/db/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import { createRegistry, integrations } from '../../src/integrations/index.js';
import {
  executePushRun,
  getPushRun,
  openPush,
  openRollback,
  type PushAccount,
  type PushRun,
  type PushServiceDeps,
  planPush,
  startPush,
} from '../../src/push/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { createTestDb, type TestDb } from '../support/index.js';
import type { Orders } from './support/kill-child.js';
import { attioCompanies, pushAccounts } from './support/push.js';
import { pool, seeded, warmChildren } from './support/spawn.js';

/**
 * A push or a rollback killed with SIGKILL at a random point, then resumed by the next process as
 * a worker resumes it (the same run, taken over once its heartbeat is stale): every planned write
 * reaches the CRM exactly once in total (counted by the simulator), the run's counts match its
 * items, and a rollback finishes restoring what the dead process had not.
 */

const TRIALS = Number(process.env.BETON_KILL_TRIALS ?? 10);
const ACCOUNTS = 40;
const NEVER = 10 * 60_000;
const actor = { actorType: 'cli' as const, actorId: null };
/** Write requests of a push: record asserts and updates, attribute creations, notes. */
const WRITE_ROUTES = [
  'PUT /v2/objects/:object/records',
  'PATCH /v2/objects/:object/records/:record_id',
  'PUT /v2/objects/:object/records/:record_id',
  'POST /v2/objects/:object/attributes',
  'POST /v2/notes',
];

let testDb: TestDb;
let deps: ConnectionDeps;
let keyringSpec: string;
let database: DatabaseTarget;
let children: ReturnType<typeof warmChildren>;

beforeAll(async () => {
  testDb = await createTestDb({ migrate: true });
  keyringSpec = Keyring.generateSpec('pushkill');
  deps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(keyringSpec),
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry(integrations),
    env: {},
    httpOptions: { retry: { baseDelayMs: 20, maxWaitMs: 3_000, maxAttempts: 8 }, timeoutMs: 15_000 },
  };
  database =
    testDb.dialect === 'sqlite'
      ? { dialect: 'sqlite', file: testDb.db.describe }
      : { dialect: 'postgres', url: process.env.DATABASE_URL!, schema: testDb.schema!, poolSize: 2 };
  children = warmChildren(await nodeArgsFor('test/reliability/support/kill-child.ts'), 2);
}, 120_000);
afterAll(async () => {
  children?.close();
  await testDb?.close();
});

const orders = (workspaceId: string, killAfterMs: number, job: Orders['job']): Orders => ({
  database,
  keyringSpec,
  workspaceId,
  killAfterMs,
  retry: { baseDelayMs: 20, maxWaitMs: 3_000, maxAttempts: 8 },
  timeoutMs: 15_000,
  job,
});

/**
 * Writes the CRM applied. A request the dead process had begun to send and the CRM never applied
 * is not one (sending it again is not a duplicate); `requests` shows those in a failure message.
 */
const appliedWrites = (sim: AttioSimulator) => sim.applied.writes;
const writeRequests = (sim: AttioSimulator) =>
  WRITE_ROUTES.reduce((n, route) => n + (sim.counters.byRoute[route] ?? 0), 0);

const withAccounts = (accounts: PushAccount[]): PushServiceDeps => ({
  ...deps,
  pushSource: {
    accounts: async function* () {
      yield accounts;
    },
  },
});

/** The second push's values: every field moved, so a rollback has something to restore. */
const moved = (accounts: PushAccount[]): PushAccount[] =>
  accounts.map((a) => ({
    ...a,
    fields: {
      ...a.fields,
      beton_health: Number(a.fields.beton_health) + 1,
      beton_grade: `${a.fields.beton_grade}+`,
    },
  }));

async function newWorkspace(): Promise<{ sim: AttioSimulator; workspaceId: string }> {
  const sim = createAttioSimulator({ knobs: { rateLimits: false } });
  await sim.listen();
  const workspaceId = `ws_${randomUUID().slice(0, 12)}`;
  await putConnection(deps, { workspaceId, audit: actor }, 'attio', {
    credentials: { apiKey: DEFAULT_ATTIO_TOKEN },
    settings: { baseUrl: sim.url },
  });
  return { sim, workspaceId };
}

/**
 * The simulator runs in this process: a request the dead child had sent may still be on its way
 * through it. Let every write it received be answered (and none arrive for a while) before the
 * next process reads the CRM, as at a real CRM by the time a stale heartbeat hands the run on.
 */
async function settle(sim: AttioSimulator) {
  const until = Date.now() + 5_000;
  let last = -1;
  while (Date.now() < until) {
    const seen = writeRequests(sim);
    if (seen === last && seen === appliedWrites(sim)) return;
    last = seen;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** The dead process's heartbeat stopped: let the minutes pass after which its run counts as dead. */
async function staleRuns(workspaceId: string) {
  await deps.db.kysely
    .updateTable('push_runs')
    .set({ heartbeat_at: new Date(Date.now() - 10 * 60_000).toISOString() })
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'running')
    .execute();
}

/** Items of a run by status, and the keys written more than once (a duplicate outcome). */
async function itemsOf(workspaceId: string, runId: string) {
  const { items } = await getPushRun(deps, workspaceId, runId, { limit: 10_000 });
  const written = items.filter((i) => i.status === 'written');
  const keys = written.map((i) => i.key);
  return {
    written: written.length,
    skipped: items.filter((i) => i.status === 'skipped').length,
    rejected: items.filter((i) => i.status === 'rejected').length,
    twice: keys.filter((k, i) => keys.indexOf(k) !== i),
  };
}

function countsMatch(run: PushRun, items: Awaited<ReturnType<typeof itemsOf>>, kind: string) {
  const c = run.counts;
  const written = kind === 'push' ? c.created + c.updated : c.updated;
  if (written !== items.written || c.rejected !== items.rejected || c.skipped !== items.skipped) {
    return `counts ${JSON.stringify(c)} but items ${JSON.stringify(items)}`;
  }
  return undefined;
}

/** One kill time per trial, spread over the clean run's duration (each trial in its own slice). */
function killTime(trial: number, cleanMs: number): number {
  const random = seeded(trial * 7_919 + 104_729);
  random();
  return Math.round((((trial % 1_000) + random()) / TRIALS) * 1.1 * cleanMs);
}

let cleanPushMs = 0;
/** Trials whose kill landed while records were being written (some recorded, not all). */
const midWork = { push: 0, rollback: 0 };

async function pushTrial(trial: number, killAfterMs: number): Promise<string | undefined> {
  const label = `push trial ${trial} (kill at ${killAfterMs} ms)`;
  const { sim, workspaceId } = await newWorkspace();
  try {
    const accounts = pushAccounts(ACCOUNTS);
    const pushDeps = withAccounts(accounts);
    const planned = (await planPush(pushDeps, workspaceId, 'attio')).summary.writes;
    const runId = await openPush(pushDeps, workspaceId, 'attio', { trigger: 'test', actor });
    const outcome = await children.run(
      orders(workspaceId, killAfterMs, { kind: 'push-run', runId, accounts: ACCOUNTS }),
    );
    if (trial < 0) cleanPushMs = Number(outcome.split(' ')[2]);
    const dead = await itemsOf(workspaceId, runId);
    if (outcome === 'killed' && dead.written > 0 && dead.written < ACCOUNTS) midWork.push += 1;
    await settle(sim);
    await staleRuns(workspaceId);
    // What a worker does with an orphaned run: take the same run over and carry on.
    const run = await executePushRun(pushDeps, workspaceId, runId);
    if (run.status !== 'succeeded') return `${label}: resumed push ${run.status}: ${run.error}`;
    const sent = appliedWrites(sim);
    if (sent !== planned)
      return `${label} (${outcome}): ${sent} writes applied (${writeRequests(sim)} requests) for ${planned} planned; ${JSON.stringify(sim.counters.byRoute)}, dead run items ${JSON.stringify(dead)}, counts ${JSON.stringify(run.counts)}`;
    const items = await itemsOf(workspaceId, runId);
    if (items.twice.length > 0) return `${label}: written twice: ${items.twice.join(', ')}`;
    if (items.written !== ACCOUNTS) return `${label}: ${items.written} items written of ${ACCOUNTS}`;
    const mismatch = countsMatch(run, items, 'push');
    if (mismatch) return `${label}: ${mismatch}`;
    const companies = attioCompanies(sim);
    for (const account of accounts) {
      const company = companies.get(account.domain!);
      if (company?.count !== 1) return `${label}: ${company?.count ?? 0} records for ${account.domain}`;
      for (const [field, value] of Object.entries(account.fields)) {
        const history = company.history(field);
        if (history.length !== 1 || history[0] !== value)
          return `${label}: ${account.domain} ${field} history ${JSON.stringify(history)}`;
      }
    }
    return undefined;
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  } finally {
    await sim.close();
  }
}

let cleanRollbackMs = 0;

async function rollbackTrial(trial: number, killAfterMs: number): Promise<string | undefined> {
  const label = `rollback trial ${trial} (kill at ${killAfterMs} ms)`;
  const { sim, workspaceId } = await newWorkspace();
  try {
    const first = pushAccounts(ACCOUNTS);
    const second = moved(first);
    for (const accounts of [first, second]) {
      const { done } = await startPush(withAccounts(accounts), workspaceId, 'attio', {
        trigger: 'test',
        actor,
      });
      const run = await done;
      if (run.status !== 'succeeded') return `${label}: setup push ${run.status}: ${run.error}`;
    }
    const [target] = (await deps.db.kysely
      .selectFrom('push_runs')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .execute()) as { id: string }[];
    const pushDeps = withAccounts(second);
    const { rollbackId } = await openRollback(pushDeps, workspaceId, target!.id, { trigger: 'test', actor });
    const before = appliedWrites(sim);
    const outcome = await children.run(
      orders(workspaceId, killAfterMs, { kind: 'push-run', runId: rollbackId }),
    );
    if (trial < 0) cleanRollbackMs = Number(outcome.split(' ')[2]);
    await settle(sim);
    const dead = await itemsOf(workspaceId, rollbackId);
    if (outcome === 'killed' && dead.written > 0 && dead.written < ACCOUNTS) midWork.rollback += 1;
    await staleRuns(workspaceId);
    const run = await executePushRun(pushDeps, workspaceId, rollbackId);
    if (run.status !== 'succeeded')
      return `${label} (${outcome}): resumed rollback ${run.status}: ${run.error}`;
    const sent = appliedWrites(sim) - before;
    if (sent !== ACCOUNTS) return `${label} (${outcome}): ${sent} writes applied to restore ${ACCOUNTS}`;
    const items = await itemsOf(workspaceId, rollbackId);
    if (items.twice.length > 0) return `${label}: restored twice: ${items.twice.join(', ')}`;
    if (items.written !== ACCOUNTS) return `${label}: ${items.written} items restored of ${ACCOUNTS}`;
    const mismatch = countsMatch(run, items, 'rollback');
    if (mismatch) return `${label}: ${mismatch}`;
    if (run.counts.writes !== ACCOUNTS) return `${label}: counts.writes ${run.counts.writes}`;
    const companies = attioCompanies(sim);
    for (const account of first) {
      const company = companies.get(account.domain!);
      for (const field of ['beton_health', 'beton_grade'] as const) {
        const history = company?.history(field) ?? [];
        if (history.at(-1) !== account.fields[field])
          return `${label}: ${account.domain} ${field} is ${JSON.stringify(history.at(-1))} after the rollback`;
      }
    }
    // The next plan diffs against the restored state: the second push's values are wanted again.
    const plan = await planPush(pushDeps, workspaceId, 'attio');
    if (plan.summary.updates !== ACCOUNTS)
      return `${label}: a plan after it wants ${plan.summary.updates} updates`;
    return undefined;
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  } finally {
    await sim.close();
  }
}

describe('a push killed with SIGKILL and resumed by the next process', () => {
  it(`sends each planned write once in total and records each item once, ${TRIALS} trials`, async () => {
    expect(await pushTrial(-1, NEVER)).toBeUndefined();
    expect(cleanPushMs).toBeGreaterThan(0);
    const tasks = Array.from({ length: TRIALS }, (_, trial) => () => {
      return pushTrial(trial, killTime(trial, cleanPushMs));
    });
    expect((await pool(2, tasks)).filter((f) => f !== undefined)).toEqual([]);
    console.info(`push kill: ${midWork.push} of ${TRIALS} trials killed while writing records`);
    expect(midWork.push).toBeGreaterThan(0);
  }, 300_000);
});

describe('a rollback killed with SIGKILL and resumed by the next process', () => {
  it(`restores every record once and counts what it wrote, ${TRIALS} trials`, async () => {
    expect(await rollbackTrial(-1, NEVER)).toBeUndefined();
    expect(cleanRollbackMs).toBeGreaterThan(0);
    const tasks = Array.from({ length: TRIALS }, (_, trial) => () => {
      return rollbackTrial(trial, killTime(trial + 1_000, cleanRollbackMs));
    });
    expect((await pool(2, tasks)).filter((f) => f !== undefined)).toEqual([]);
    console.info(`rollback kill: ${midWork.rollback} of ${TRIALS} trials killed while restoring`);
    expect(midWork.rollback).toBeGreaterThan(0);
  }, 300_000);
});
