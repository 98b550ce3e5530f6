import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFor } from '../../src/connections/index.js';
import { type DemoHandle, seedDemo } from '../../src/demo/index.js';
import { createRuntime, type Runtime } from '../../src/runtime/index.js';
import { simulatedIntegrations } from '../../src/simulators/index.js';
import { testConfig } from '../support/index.js';

/**
 * What `npm start` gives a newcomer: a demo workspace on the simulators whose first pipeline pass
 * (sync → score → enrich → rescore) leaves scored accounts with fit, signals and grades — and a
 * restart that serves the same world without running it again.
 */

let rt: Runtime;
let demo: DemoHandle;
let dataDir: string;

beforeAll(async () => {
  const config = testConfig({ BETON_ALLOW_PRIVATE_HOSTS: 'true' });
  dataDir = config.dataDir;
  rt = await createRuntime(config);
  await rt.jobs.start();
  demo = await seedDemo(rt, { companies: 40 });
  await demo.ready;
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await rt?.jobs.stop({ graceMs: 5_000 });
  await rt?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the demo workspace', () => {
  it('keeps its sign-in in the data directory, readable by its owner only', () => {
    const file = path.join(dataDir, 'demo.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).password).toBe(demo.password);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('ends its first pass with every account scored, fit against its ICP, and signals fired', async () => {
    const db = rt.db.kysely;
    const ws = demo.workspaceId;
    const runs = await db
      .selectFrom('sync_runs')
      .select(['integration', 'status'])
      .where('workspace_id', '=', ws)
      .execute();
    // Every simulated source was synced (the registry decides which: no list to keep up to date).
    const sources = simulatedIntegrations()
      .filter((i) => i.roles.includes('source') && Object.keys(i.streams).length > 0)
      .map((i) => i.name);
    expect(new Set(runs.map((r) => r.integration))).toEqual(new Set(sources));
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);

    const accounts = await db
      .selectFrom('accounts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws)
      .executeTakeFirstOrThrow();
    const scores = await db
      .selectFrom('account_scores')
      .select(['grade', 'fit'])
      .where('workspace_id', '=', ws)
      .execute();
    expect(scores.length).toBe(Number(accounts.n));
    expect(scores.length).toBeGreaterThanOrEqual(30);
    // Apollo enriched the companies and the demo's ICP gives fit a yardstick.
    expect(scores.filter((s) => s.fit !== null).length).toBeGreaterThan(scores.length / 2);
    expect(new Set(scores.map((s) => s.grade)).size).toBeGreaterThanOrEqual(3);

    const occurrences = await db
      .selectFrom('signal_occurrences')
      .select('signal_key')
      .distinct()
      .where('workspace_id', '=', ws)
      .execute();
    expect(occurrences.length).toBeGreaterThanOrEqual(5);
  });

  it('serves each capability several integrations offer with the first registered one', async () => {
    for (const capability of ['destination', 'enrichment'] as const) {
      const offered = simulatedIntegrations().filter((i) =>
        Boolean((i as unknown as Record<string, unknown>)[capability]),
      );
      if (offered.length === 0) continue;
      const first = rt.integrations.list().find((i) => offered.includes(i))!;
      expect(await providerFor(rt, demo.workspaceId, capability)).toBe(first.name);
    }
  });

  it('comes back on restart with the same world and sign-in, without a second pipeline pass', async () => {
    const before = await rt.db.kysely
      .selectFrom('sync_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const again = await seedDemo(rt, { companies: 40 });
    try {
      await again.ready;
      expect(again.workspaceId).toBe(demo.workspaceId);
      expect(again.password).toBe(demo.password);
      const after = await rt.db.kysely
        .selectFrom('sync_runs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    } finally {
      await again.stop();
    }
  });
});
