import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRecords, executeRun, getRun, startSync } from '../../src/sync/index.js';
import { nodeArgsFor } from '../support/bundle.js';
import { startTestkitSimulator, type TestkitSimulator } from '../support/testkit-integration/index.js';
import { createSyncTestbed, type SyncTestbed } from '../support/testkit-integration/testbed.js';

describe('a sync killed with SIGKILL mid-run', () => {
  let bed: SyncTestbed;
  let sim: TestkitSimulator;

  beforeAll(async () => {
    bed = await createSyncTestbed();
    sim = await startTestkitSimulator({ items: 3000 });
  });
  afterAll(async () => {
    await sim.close();
    await bed.close();
  });

  it('resumes from the last committed page: the stored set equals the source, nothing lost or written twice', async () => {
    await bed.connect(sim, { pageSize: 50 });
    sim.faults.latencyMs = 15;
    const run = await startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'manual' });
    const database =
      bed.testDb.dialect === 'sqlite'
        ? { dialect: 'sqlite', file: bed.testDb.db.describe }
        : { dialect: 'postgres', url: process.env.DATABASE_URL, schema: bed.testDb.schema, poolSize: 2 };
    const child = spawn(
      process.execPath,
      await nodeArgsFor('test/support/testkit-integration/sync-child.ts'),
      {
        env: {
          ...process.env,
          SYNC_CHILD: JSON.stringify({
            database,
            keyringSpec: bed.keyringSpec,
            workspaceId: bed.workspaceId,
            runId: run.id,
          }),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );

    // Kill it once a dozen pages are committed.
    let pages = 0;
    for (let i = 0; i < 400 && pages < 12; i++) {
      await new Promise((r) => setTimeout(r, 25));
      pages = (await getRun(bed.deps.db.kysely, bed.workspaceId, run.id)).counts.pages;
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const killed = await getRun(bed.deps.db.kysely, bed.workspaceId, run.id);
    expect(killed.status).toBe('running');
    expect(killed.counts.written).toBeGreaterThan(0);
    expect(killed.counts.written).toBeLessThan(3000);
    const storedAfterKill = (
      await allRecords(bed.deps.db.kysely, bed.workspaceId, { integration: 'testkit', stream: 'items' })
    ).length;
    // Counts and records commit together: what the run says it wrote is exactly what is stored.
    expect(storedAfterKill).toBe(killed.counts.written);

    // The dead run holds the lock until its lease expires; then a new run resumes after its last page.
    sim.faults.latencyMs = 0;
    await new Promise((r) => setTimeout(r, 300));
    const next = await startSync(bed.deps, bed.workspaceId, 'testkit', { trigger: 'manual', leaseMs: 250 });
    expect((await getRun(bed.deps.db.kysely, bed.workspaceId, run.id)).error?.code).toBe('interrupted');
    const resumed = await executeRun(bed.deps, bed.workspaceId, next.id, { leaseMs: 5000 });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.streams.items?.full).toBe(true);
    expect(killed.counts.written + resumed.counts.written).toBe(3000);
    expect(resumed.counts.read).toBe(3000 - killed.counts.written);

    const rows = await allRecords<{ id: string }>(bed.deps.db.kysely, bed.workspaceId, {
      integration: 'testkit',
      stream: 'items',
    });
    expect(rows.map((r) => r.payload)).toEqual(sim.liveItems());
    const total = await bed.deps.db.kysely
      .selectFrom('records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(total.n)).toBe(3000);
  });
});
