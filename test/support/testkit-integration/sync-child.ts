/**
 * Runs one sync run in a child process, so a test can SIGKILL it mid-run. Reads its orders from the
 * environment: SYNC_CHILD = JSON {database, keyringSpec, workspaceId, runId}.
 */
import { systemClock } from '../../../src/core/clock.js';
import { Keyring } from '../../../src/core/crypto.js';
import { createLogger } from '../../../src/core/logger.js';
import { type DatabaseTarget, openDatabase } from '../../../src/db/index.js';
import { createRegistry } from '../../../src/integrations/index.js';
import { executeRun } from '../../../src/sync/index.js';
import { testkit } from './integration.js';

const orders = JSON.parse(process.env.SYNC_CHILD ?? '{}') as {
  database: DatabaseTarget;
  keyringSpec: string;
  workspaceId: string;
  runId: string;
};
const db = openDatabase(orders.database);
const run = await executeRun(
  {
    db,
    keyring: Keyring.fromSpec(orders.keyringSpec),
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry([testkit]),
    env: {},
  },
  orders.workspaceId,
  orders.runId,
  { leaseMs: 60_000, heartbeatMs: 100 },
);
process.stdout.write(`${run.status}\n`);
await db.close();
