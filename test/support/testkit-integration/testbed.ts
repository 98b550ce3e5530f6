import { randomUUID } from 'node:crypto';
import { type ConnectionDeps, putConnection } from '../../../src/connections/index.js';
import { type Clock, systemClock } from '../../../src/core/clock.js';
import { Keyring } from '../../../src/core/crypto.js';
import { createLogger } from '../../../src/core/logger.js';
import { type AnyIntegration, createRegistry } from '../../../src/integrations/index.js';
import { createTestDb, type TestDb } from '../index.js';
import { testkit as defaultTestkit } from './integration.js';
import type { TestkitSimulator } from './simulator.js';

/**
 * The services' dependencies on a real, migrated database (SQLite, or a Postgres schema when
 * DATABASE_URL is postgres://), with the testkit integration registered and small retry waits.
 *
 * @example
 * const bed = await createSyncTestbed();
 * const sim = await startTestkitSimulator();
 * await bed.connect(sim);
 */
export interface SyncTestbed {
  deps: ConnectionDeps;
  testDb: TestDb;
  workspaceId: string;
  /** The keyring spec, for a child process that must decrypt the same connection. */
  keyringSpec: string;
  connect(sim: TestkitSimulator, settings?: Record<string, unknown>): Promise<string>;
  /** Connect any registered integration (validated live); answers the connection id. */
  connectWith(
    integration: string,
    credentials: Record<string, unknown>,
    settings: Record<string, unknown>,
  ): Promise<string>;
  close(): Promise<void>;
}

export async function createSyncTestbed(
  opts: { integrations?: AnyIntegration[]; clock?: Clock; maxAttempts?: number } = {},
): Promise<SyncTestbed> {
  const testDb = await createTestDb({ migrate: true });
  const keyringSpec = Keyring.generateSpec('t1');
  const deps: ConnectionDeps = {
    db: testDb.db,
    keyring: Keyring.fromSpec(keyringSpec),
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
    clock: opts.clock ?? systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry(opts.integrations ?? [defaultTestkit]),
    env: {},
    httpOptions: {
      retry: { baseDelayMs: 5, maxWaitMs: 3000, maxAttempts: opts.maxAttempts ?? 5 },
      timeoutMs: 5000,
    },
  };
  const workspaceId = `ws_${randomUUID().slice(0, 8)}`;
  return {
    deps,
    testDb,
    workspaceId,
    keyringSpec,
    async connect(sim, settings = {}) {
      const view = await putConnection(
        deps,
        { workspaceId, audit: { actorType: 'cli', actorId: null } },
        'testkit',
        { credentials: { apiKey: sim.apiKey }, settings: { baseUrl: sim.url, ...settings } },
      );
      return view.connection!.id;
    },
    async connectWith(integration, credentials, settings) {
      const view = await putConnection(
        deps,
        { workspaceId, audit: { actorType: 'cli', actorId: null } },
        integration,
        { credentials, settings },
      );
      return view.connection!.id;
    },
    close: () => testDb.close(),
  };
}
