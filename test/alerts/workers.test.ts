import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAlertRule,
  deriveAndQueue,
  enqueueDeliveries,
  listAlerts,
  registerAlertJobs,
} from '../../src/alerts/index.js';
import { fixedClock } from '../../src/core/index.js';
import { createLogger } from '../../src/core/logger.js';
import { integrations } from '../../src/integrations/index.js';
import { InProcessJobRunner, type JobRunner } from '../../src/jobs/index.js';
import { runScore } from '../../src/scoring/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { type ChatServer, chat, startChatServer } from './support/chat.js';
import { NOW, seedSignalWorld } from './support/world.js';

/**
 * Deliveries are jobs: three workers (job runners on one database, each with the alerts' jobs)
 * derive and send at the same time, each told about the same target; the claim keeps every alert
 * to one sender, so each reaches the channel once.
 */

let t: TestRuntime;
let server: ChatServer;
const runners: JobRunner[] = [];

beforeAll(async () => {
  server = await startChatServer();
  t = await createTestRuntime({
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' },
    integrations: [...integrations.filter((i) => !i.messaging), chat],
  });
  await t.request('PUT', '/api/v1/integrations/chat', {
    key: t.keys.admin,
    body: { credentials: { token: 'chat-token' }, settings: { baseUrl: server.url } },
  });
  await createAlertRule(
    t.rt.db.kysely,
    t.workspaceId,
    { name: 'all', destination: { kind: 'channel', channelId: 'C_MANY' } },
    null,
    new Date().toISOString(),
  );
  await seedSignalWorld(t.rt.db.kysely, t.workspaceId, 16, 'w');
  await runScore(t.rt.db.kysely, t.workspaceId, { clock: fixedClock(NOW), trigger: 'test' });
}, 120_000);
afterAll(async () => {
  for (const r of runners) await r.stop({ graceMs: 2_000 });
  await t?.close();
  await server?.close();
});

describe('several workers', () => {
  it('send each alert once', async () => {
    for (let i = 0; i < 3; i++) {
      const runner = new InProcessJobRunner({ logger: createLogger({ level: 'silent' }) });
      registerAlertJobs(runner, t.rt);
      await runner.start();
      runners.push(runner);
    }
    await Promise.all(runners.map((r) => deriveAndQueue(r, t.rt)));
    const target = new Map([[t.workspaceId, new Set(['channel:C_MANY'])]]);
    await Promise.all(runners.map((r) => enqueueDeliveries(r, target)));
    const deadline = Date.now() + 60_000;
    let alerts = await listAlerts(t.rt.db.kysely, t.workspaceId, { limit: 500 });
    while (alerts.some((a) => a.status !== 'sent') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      alerts = await listAlerts(t.rt.db.kysely, t.workspaceId, { limit: 500 });
    }
    expect(alerts.length).toBeGreaterThan(5);
    expect(alerts.every((a) => a.status === 'sent' && a.attempts === 1)).toBe(true);
    const refs = server.posts.filter((p) => p.channel === 'C_MANY').map((p) => p.alertRef);
    expect(refs).toHaveLength(alerts.length);
    expect(new Set(refs)).toEqual(new Set(alerts.map((a) => a.id)));
  }, 90_000);
});
