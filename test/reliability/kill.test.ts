import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putConnection } from '../../src/connections/index.js';
import { createAttioSimulator, DEFAULT_ATTIO_TOKEN } from '../../src/integrations/attio/simulator/index.js';
import { type PushServiceDeps, planPush, startPush } from '../../src/push/index.js';
import { getRun, startSync } from '../../src/sync/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import {
  createReliabilityBed,
  FAULT_RETRY,
  FAULT_TIMEOUT_MS,
  type ReliabilityBed,
  SOURCES,
  type Source,
} from './support/bed.js';
import type { Orders } from './support/kill-child.js';
import { attioCompanies, pushAccounts } from './support/push.js';
import { pool, seeded, warmChildren } from './support/spawn.js';

/**
 * SIGKILL at random points: for every stream of every source, and for the push, at least 10
 * trials in which a child process runs the work and kills itself after a random delay (drawn over
 * the time the work takes when nobody kills it). After each kill the database holds only whole
 * pages with their counts, the next run resumes and ends `succeeded`, and the stored records equal
 * the source exactly; the push leaves every company once with every field written once.
 */

const TRIALS = Number(process.env.BETON_KILL_TRIALS ?? 10);
const PUSH_ACCOUNTS = 30;
const CONCURRENCY = 3;

let bed: ReliabilityBed;
let children: ReturnType<typeof warmChildren>;
/** How long a child takes to run each stream when nobody kills it, to draw kill times over. */
const cleanMs = new Map<string, number>();
const NEVER = 10 * 60_000;
const tally = { trials: 0, killed: 0, finishedBeforeKill: 0 };

beforeAll(async () => {
  const [created, childArgs] = await Promise.all([
    createReliabilityBed(),
    nodeArgsFor('test/reliability/support/kill-child.ts'),
  ]);
  bed = created;
  children = warmChildren(childArgs, CONCURRENCY);
  // Several processes share each key here, each with its own rate budget: the limits are not
  // what this suite is about (the faults suite is), so the simulators do not enforce them.
  for (const sim of bed.sims.list) sim.setKnobs({ rateLimits: false });
  const calibrations = SOURCES.flatMap((source) =>
    bed.streams[source]!.map((stream) => async () => {
      const ws = await bed.newWorkspace(source);
      const run = await startSync(bed.deps, ws, source, { trigger: 'manual', streams: [stream] });
      const outcome = await children.run(orders(ws, NEVER, { kind: 'sync', runId: run.id }));
      const [, status, ms] = outcome.split(' ');
      if (status !== 'succeeded')
        throw new Error(`a clean ${source}/${stream} run in a child ended ${outcome}`);
      cleanMs.set(`${source}/${stream}`, Math.max(30, Number(ms)));
    }),
  );
  await pool(CONCURRENCY, calibrations);
}, 240_000);
afterAll(async () => {
  console.info(
    `kill: ${tally.trials} trials, ${tally.killed} killed mid-work, ${tally.finishedBeforeKill} finished first`,
  );
  children?.close();
  await bed?.close();
});

const orders = (workspaceId: string, killAfterMs: number, job: Orders['job']): Orders => ({
  database: bed.database,
  keyringSpec: bed.keyringSpec,
  workspaceId,
  killAfterMs,
  retry: FAULT_RETRY,
  // No faults here: only a generous timeout, so a slow machine does not fail a clean run.
  timeoutMs: 10 * FAULT_TIMEOUT_MS,
  job,
});

describe('a sync killed with SIGKILL at a random point', () => {
  it(`resumes to exactly the source, ${TRIALS} trials for every stream`, async () => {
    const streams = SOURCES.flatMap((source) => bed.streams[source]!.map((stream) => ({ source, stream })));
    expect(streams.length).toBeGreaterThanOrEqual(12);
    const tasks = streams.flatMap(({ source, stream }) =>
      Array.from({ length: TRIALS }, (_, trial) => () => killTrial(source, stream, trial)),
    );
    const failures = (await pool(CONCURRENCY, tasks)).filter((f): f is string => f !== undefined);
    expect(failures).toEqual([]);
    // The kills landed mid-work, not only after it was done (a busy machine slows some children).
    expect(tally.killed).toBeGreaterThan(tally.trials * 0.4);
  }, 600_000);
});

async function killTrial(source: Source, stream: string, trial: number): Promise<string | undefined> {
  const label = `${source}/${stream} trial ${trial}`;
  const random = seeded(trial * 7919 + stream.length * 104_729 + source.length);
  const killAfterMs = Math.round(random() * 0.8 * cleanMs.get(`${source}/${stream}`)!);
  try {
    const workspaceId = await bed.newWorkspace(source);
    const run = await startSync(bed.deps, workspaceId, source, { trigger: 'manual', streams: [stream] });
    const outcome = await children.run(orders(workspaceId, killAfterMs, { kind: 'sync', runId: run.id }));
    tally.trials++;
    if (outcome === 'killed') tally.killed++;
    else tally.finishedBeforeKill++;

    // What the dead run committed is whole: its counts match the records stored.
    const dead = await getRun(bed.deps.db.kysely, workspaceId, run.id);
    const stored = await bed.fingerprint(workspaceId, source, stream);
    if (stored.duplicates !== 0) return `${label}: ${stored.duplicates} duplicates after the kill`;
    if (stored.count !== dead.counts.written - dead.counts.deleted && dead.status !== 'succeeded') {
      return `${label} (killed at ${killAfterMs} ms): run says ${dead.counts.written} written, ${stored.count} stored`;
    }

    // The next run takes over (the dead one's lease is given up at once here) and finishes the job.
    const resumed = await bed.sync(workspaceId, source, { streams: [stream], leaseMs: 1 });
    if (resumed.status !== 'succeeded')
      return `${label}: resumed run ${resumed.status}: ${resumed.error?.message}`;
    const after = await bed.fingerprint(workspaceId, source, stream);
    const want = bed.reference[source]![stream]!;
    if (after.count !== want.count || after.hash !== want.hash || after.duplicates !== 0) {
      return `${label} (killed at ${killAfterMs} ms, ${outcome}): stored ${JSON.stringify(after)}, source ${JSON.stringify(want)}`;
    }
    return undefined;
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  }
}

describe('a push killed with SIGKILL at a random point', () => {
  it(`writes every record once and loses none, ${TRIALS} trials`, async () => {
    // A clean push of the same size in a child, to draw kill times over.
    expect(await pushTrial(-1, NEVER)).toBeUndefined();
    const clean = pushCleanMs;
    expect(clean).toBeGreaterThan(0);
    const tasks = Array.from({ length: TRIALS }, (_, trial) => () => {
      const random = seeded(trial * 31 + 5);
      return pushTrial(trial, Math.round(random() * 1.1 * clean));
    });
    const failures = (await pool(2, tasks)).filter((f): f is string => f !== undefined);
    expect(failures).toEqual([]);
  }, 300_000);
});

let pushCleanMs = 0;

async function pushTrial(trial: number, killAfterMs: number): Promise<string | undefined> {
  const label = `push trial ${trial} (kill at ${killAfterMs} ms)`;
  const sim = createAttioSimulator();
  await sim.listen();
  try {
    const workspaceId = `ws_${randomUUID().slice(0, 12)}`;
    const accounts = pushAccounts(PUSH_ACCOUNTS);
    await putConnection(bed.deps, { workspaceId, audit: { actorType: 'cli', actorId: null } }, 'attio', {
      credentials: { apiKey: DEFAULT_ATTIO_TOKEN },
      settings: { baseUrl: sim.url },
    });
    const outcome = await children.run(
      orders(workspaceId, killAfterMs, { kind: 'push', accounts: PUSH_ACCOUNTS }),
    );
    if (trial < 0) pushCleanMs = Number(outcome.split(' ')[2]);
    else {
      tally.trials++;
      if (outcome === 'killed') tally.killed++;
      else tally.finishedBeforeKill++;
    }
    // The dead run's heartbeat stopped; let the minutes pass after which it counts as dead.
    await bed.deps.db.kysely
      .updateTable('push_runs')
      .set({ heartbeat_at: new Date(Date.now() - 10 * 60_000).toISOString() })
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'running')
      .execute();
    const deps: PushServiceDeps = {
      ...bed.deps,
      pushSource: {
        accounts: async function* () {
          yield accounts;
        },
      },
    };
    const run = await (
      await startPush(deps, workspaceId, 'attio', {
        trigger: 'test',
        actor: { actorType: 'cli', actorId: null },
      })
    ).done;
    if (run.status !== 'succeeded') return `${label}: resumed push ${run.status}: ${run.error}`;
    const companies = attioCompanies(sim);
    if (companies.size !== PUSH_ACCOUNTS) return `${label}: ${companies.size} companies in the CRM`;
    for (const account of accounts) {
      const company = companies.get(account.domain!);
      if (company?.count !== 1) return `${label}: ${company?.count ?? 0} records for ${account.domain}`;
      for (const [field, value] of Object.entries(account.fields)) {
        const history = company.history(field);
        if (history.length !== 1 || history[0] !== value) {
          return `${label}: ${account.domain} ${field} history ${JSON.stringify(history)}, wanted [${JSON.stringify(value)}]`;
        }
      }
    }
    const plan = await planPush(deps, workspaceId, 'attio');
    if (plan.summary.writes !== 0)
      return `${label}: a plan after the resume still wants ${plan.summary.writes} writes`;
    return undefined;
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  } finally {
    await sim.close();
  }
}
