import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAlertRule,
  deliverTarget,
  deriveAlerts,
  dueTargets,
  listAlerts,
} from '../../src/alerts/index.js';
import { type ConnectionDeps, putConnection } from '../../src/connections/index.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import type { DatabaseTarget } from '../../src/db/index.js';
import { createRegistry } from '../../src/integrations/index.js';
import { runScore } from '../../src/scoring/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { type ChatServer, chat, startChatServer } from './support/chat.js';
import type { KillOrders } from './support/kill-child.js';
import { NOW, seedSignalWorld } from './support/world.js';

/**
 * SIGKILL of the worker between occurrence and delivery: a score run has opened occurrences (the
 * outbox holds them); a worker process derives the alerts and sends them and is killed at a point
 * spread over its run; the next worker takes over (lapsed leases handed back). Every alert reaches
 * the channel, and exactly once — except the documented window between the service accepting a
 * post and the commit after it, which the test recognises (the alert was left `sending` with its
 * post already received) and reports; no duplicate may come from anywhere else.
 */

const TRIALS = Number(process.env.BETON_KILL_TRIALS ?? 10);
const root = path.resolve(import.meta.dirname, '../..');
let testDb: TestDb;
let deps: ConnectionDeps;
let keyringSpec: string;
let database: DatabaseTarget;
let server: ChatServer;
let childArgs: string[];

beforeAll(async () => {
  testDb = await createTestDb({ migrate: true });
  keyringSpec = Keyring.generateSpec('alertkill');
  deps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(keyringSpec),
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry([chat]),
    env: {},
  };
  database =
    testDb.dialect === 'sqlite'
      ? { dialect: 'sqlite', file: testDb.db.describe }
      : { dialect: 'postgres', url: process.env.DATABASE_URL!, schema: testDb.schema!, poolSize: 2 };
  server = await startChatServer();
  childArgs = await nodeArgsFor('test/alerts/support/kill-child.ts');
}, 120_000);
afterAll(async () => {
  await server?.close();
  await testDb?.close();
});

function runChild(orders: KillOrders): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, childArgs, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d) => {
      out += d;
      if (out === 'ready\n') proc.stdin.end(`${JSON.stringify(orders)}\n`);
    });
    proc.stderr.on('data', (d) => {
      err += d;
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve(out.replace('ready\n', '').trim());
      else reject(new Error(`child exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** A workspace whose score run has just opened occurrences, with a rule to one channel. */
async function freshWorkspace(trial: number) {
  const workspaceId = `ws_${randomUUID().slice(0, 10)}`;
  const channel = `C_KILL_${trial}`;
  await putConnection(deps, { workspaceId, audit: { actorType: 'cli', actorId: null } }, 'chat', {
    credentials: { token: 'chat-token' },
    settings: { baseUrl: server.url },
  });
  await createAlertRule(
    testDb.db.kysely,
    workspaceId,
    { name: 'all', destination: { kind: 'channel', channelId: channel } },
    null,
    new Date().toISOString(),
  );
  await seedSignalWorld(testDb.db.kysely, workspaceId, 8, `k${trial}x`);
  await runScore(testDb.db.kysely, workspaceId, { clock: fixedClock(NOW), trigger: 'test' });
  const opened = await testDb.db.kysely
    .selectFrom('outbox_events')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('type', '=', 'signal.opened')
    .execute();
  return { workspaceId, channel, opened: opened.length };
}

describe('a worker killed between occurrence and delivery', () => {
  it(`delivers every alert once across ${TRIALS} kills`, async () => {
    // A clean run first: how long the work takes, to spread the kills over it.
    const clean = await freshWorkspace(-1);
    const outcome = await runChild({
      database,
      keyringSpec,
      workspaceId: clean.workspaceId,
      target: `channel:${clean.channel}`,
      killAfterMs: 60_000,
    });
    const cleanMs = Number(outcome.split(' ')[2]);
    expect(Number(outcome.split(' ')[1])).toBe(clean.opened);

    const report: string[] = [];
    let killedMidWork = 0;
    let inWindow = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const { workspaceId, channel, opened } = await freshWorkspace(trial);
      const killAfterMs = Math.round(((trial + 0.5) / TRIALS) * cleanMs);
      const ended = await runChild({
        database,
        keyringSpec,
        workspaceId,
        target: `channel:${channel}`,
        killAfterMs,
      });
      // What the dead worker left: alerts still claimed whose post the service already has.
      const left = await listAlerts(testDb.db.kysely, workspaceId, { limit: 500 });
      const received = new Set(server.posts.filter((p) => p.channel === channel).map((p) => p.alertRef));
      const windowHits = new Set(
        left.filter((a) => a.status === 'sending' && received.has(a.id)).map((a) => a.id),
      );
      if (ended === 'killed' && received.size > 0 && received.size < opened) killedMidWork++;

      // The next worker: leases lapse, the outbox is read on, the channel is served.
      await dueTargets(testDb.db.kysely, new Date(Date.now() + 5 * 60_000));
      await deriveAlerts(testDb.db.kysely, new Date());
      await deliverTarget(deps, workspaceId, `channel:${channel}`);

      const alerts = await listAlerts(testDb.db.kysely, workspaceId, { limit: 500 });
      const posts = server.posts.filter((p) => p.channel === channel).map((p) => p.alertRef!);
      const twice = posts.filter((ref, i) => posts.indexOf(ref) !== i);
      inWindow += twice.length;
      expect(alerts, `trial ${trial}: one alert per opened occurrence`).toHaveLength(opened);
      expect(
        alerts.every((a) => a.status === 'sent'),
        `trial ${trial}: all sent`,
      ).toBe(true);
      expect(new Set(posts), `trial ${trial}: every alert reached the channel`).toEqual(
        new Set(alerts.map((a) => a.id)),
      );
      expect(
        twice.filter((ref) => !windowHits.has(ref)),
        `trial ${trial} (kill at ${killAfterMs} ms): duplicates outside the post-to-commit window`,
      ).toEqual([]);
      report.push(`${trial}:${ended === 'killed' ? 'k' : 'f'}${twice.length ? '+dup' : ''}`);
    }
    console.log(
      `alert kills: ${TRIALS} trials over a ${cleanMs} ms run, ${killedMidWork} mid-delivery, ${inWindow} re-sent in the post-to-commit window [${report.join(' ')}]`,
    );
  }, 600_000);
});
