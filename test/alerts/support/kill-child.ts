/**
 * A worker that turns the outbox into alerts and sends them, in a process of its own that SIGKILLs
 * itself after `killAfterMs` — wherever it is then: deriving, claiming, posting, committing. Reads
 * its orders as one JSON line on stdin after saying `ready`.
 */
import { createInterface } from 'node:readline';
import { deliverTarget, deriveAlerts } from '../../../src/alerts/index.js';
import { systemClock } from '../../../src/core/clock.js';
import { Keyring } from '../../../src/core/crypto.js';
import { createLogger } from '../../../src/core/logger.js';
import { type DatabaseTarget, openDatabase } from '../../../src/db/index.js';
import { createRegistry } from '../../../src/integrations/index.js';
import { chat } from './chat.js';

export interface KillOrders {
  database: DatabaseTarget;
  keyringSpec: string;
  workspaceId: string;
  target: string;
  killAfterMs: number;
}

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const orders = JSON.parse((await lines.next()).value as string) as KillOrders;
const db = openDatabase(orders.database);
const deps = {
  db,
  keyring: Keyring.fromSpec(orders.keyringSpec),
  logger: createLogger({ level: 'silent' }),
  clock: systemClock,
  config: { BETON_ALLOW_PRIVATE_HOSTS: true },
  integrations: createRegistry([chat]),
  env: {},
};
const started = performance.now();
setTimeout(() => process.kill(process.pid, 'SIGKILL'), orders.killAfterMs);
await deriveAlerts(db.kysely, new Date());
const result = await deliverTarget(deps, orders.workspaceId, orders.target);
process.stdout.write(`finished ${result.sent} ${Math.round(performance.now() - started)}\n`);
await db.close();
process.exit(0);
