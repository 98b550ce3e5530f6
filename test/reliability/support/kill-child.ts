/**
 * One sync run, or one push, in a process of its own that SIGKILLs itself after `killAfterMs` —
 * wherever it is then: reading, writing a page, committing, between pages. The parent checks what
 * the database holds and resumes. The child loads, says `ready`, then reads its `Orders` as one JSON
 * line on stdin — so the parent can start the next child while this one works.
 */
import { createInterface } from 'node:readline';
import { systemClock } from '../../../src/core/clock.js';
import { Keyring } from '../../../src/core/crypto.js';
import { createLogger } from '../../../src/core/logger.js';
import { type DatabaseTarget, openDatabase } from '../../../src/db/index.js';
import { createRegistry, integrations } from '../../../src/integrations/index.js';
import { executePushRun, startPush } from '../../../src/push/index.js';
import { executeRun } from '../../../src/sync/index.js';
import { pushAccounts } from './push.js';

export interface Orders {
  database: DatabaseTarget;
  keyringSpec: string;
  workspaceId: string;
  killAfterMs: number;
  retry: { baseDelayMs: number; maxWaitMs: number; maxAttempts: number };
  timeoutMs: number;
  /**
   * A queued sync run to execute, a push of `pushAccounts(count)` to the workspace's destination,
   * or an open push or rollback run to execute (the parent opened it).
   */
  job:
    | { kind: 'sync'; runId: string }
    | { kind: 'push'; accounts: number; destination?: string }
    | { kind: 'push-run'; runId: string; accounts?: number };
}

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const orders = JSON.parse((await lines.next()).value as string) as Orders;
const db = openDatabase(orders.database);
const deps = {
  db,
  keyring: Keyring.fromSpec(orders.keyringSpec),
  logger: createLogger({ level: 'silent' }),
  clock: systemClock,
  config: { BETON_ALLOW_PRIVATE_HOSTS: true },
  integrations: createRegistry(integrations),
  env: {},
  httpOptions: { retry: orders.retry, timeoutMs: orders.timeoutMs },
};

const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
setTimeout(() => process.kill(process.pid, 'SIGKILL'), orders.killAfterMs);
if (orders.job.kind === 'sync') {
  const run = await executeRun(deps, orders.workspaceId, orders.job.runId, {
    leaseMs: 60_000,
    heartbeatMs: 200,
  });
  process.stdout.write(`finished ${run.status} ${elapsed()} ${run.error?.message ?? ''}\n`);
} else if (orders.job.kind === 'push-run') {
  const accounts = pushAccounts(orders.job.accounts ?? 0);
  const pushDeps = {
    ...deps,
    pushSource: {
      accounts: async function* () {
        yield accounts;
      },
    },
  };
  const run = await executePushRun(pushDeps, orders.workspaceId, orders.job.runId);
  process.stdout.write(`finished ${run.status} ${elapsed()} ${run.error ?? ''}\n`);
} else {
  const accounts = pushAccounts(orders.job.accounts);
  const pushDeps = {
    ...deps,
    pushSource: {
      accounts: async function* () {
        yield accounts;
      },
    },
  };
  const { done } = await startPush(pushDeps, orders.workspaceId, orders.job.destination ?? 'attio', {
    trigger: 'test',
    actor: { actorType: 'cli', actorId: null },
  });
  const run = await done;
  process.stdout.write(`finished ${run.status} ${elapsed()} ${run.error ?? ''}\n`);
}
await db.close();
process.exit(0);
