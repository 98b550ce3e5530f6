import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ConnectionDeps, putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { type AnyIntegration, createRegistry } from '../../src/integrations/index.js';
import { executeRun, type SyncRun, startSync } from '../../src/sync/index.js';

/**
 * A throwaway SQLite database with one testkit connection, for the sync benchmarks.
 *
 * @example
 * const env = await syncEnvironment(makeTestkit(), sim, { pageSize: 1000 });
 * const run = await env.sync();
 */
export async function syncEnvironment(
  integration: AnyIntegration,
  sim: { url: string; apiKey: string },
  settings: Record<string, unknown> = {},
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-'));
  const file = path.join(dir, 'bench.sqlite');
  const db = openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(db.kysely);
  const deps: ConnectionDeps = {
    db,
    keyring: Keyring.fromSpec(Keyring.generateSpec('b1')),
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    config: { BETON_ALLOW_PRIVATE_HOSTS: true },
    integrations: createRegistry([integration]),
    env: {},
  };
  const workspaceId = 'bench';
  await putConnection(
    deps,
    { workspaceId, audit: { actorType: 'system', actorId: null } },
    integration.name,
    {
      credentials: { apiKey: sim.apiKey },
      settings: { baseUrl: sim.url, ...settings },
    },
  );
  return {
    deps,
    file,
    workspaceId,
    async sync(): Promise<SyncRun> {
      const run = await startSync(deps, workspaceId, integration.name, { trigger: 'manual' });
      return executeRun(deps, workspaceId, run.id);
    },
    async close() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const runSeconds = (run: SyncRun) =>
  (Date.parse(run.finishedAt ?? run.startedAt ?? '') - Date.parse(run.startedAt ?? '')) / 1000;
