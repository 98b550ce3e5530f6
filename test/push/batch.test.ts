import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionClient, openConnection } from '../../src/connections/index.js';
import { ValidationError } from '../../src/core/http/index.js';
import type { RecordOutcome } from '../../src/integrations/sdk.js';
import {
  applyPushPlan,
  buildPushPlan,
  getPushRun,
  openPushRun,
  type PushDestination,
  resolveMapping,
} from '../../src/push/index.js';
import { createPushTestbed, historyOf, type PushTestbed, scored } from './testbed.js';

const actor = { actorType: 'cli' as const, actorId: null };

/**
 * The engine's batch path, for a destination that writes many records per call (HubSpot's batch
 * upsert answers 207 with per-item failures): the shipped CRM's destination, opened through the
 * registry, given a `writeRecords` that sends the batch's records and refuses one item the way a
 * partial failure does.
 */
function batching(inner: PushDestination, refuse: string, calls: string[][]): PushDestination {
  return {
    ...inner,
    name: inner.name,
    get writeCount() {
      return inner.writeCount;
    },
    batchSize: 4,
    async writeRecords(writes, mapping, signal): Promise<RecordOutcome[]> {
      calls.push(writes.map((w) => w.key));
      return Promise.all(
        writes.map(async (w): Promise<RecordOutcome> => {
          if (w.key === refuse) {
            return {
              ok: false,
              error: new ValidationError(inner.name, 400, 'bad domain'),
            };
          }
          const { recordId } = await inner.writeRecord(w, mapping, signal);
          return { ok: true, recordId };
        }),
      );
    },
  };
}

describe('a destination that writes records in batches', () => {
  let bed: PushTestbed;
  beforeEach(async () => {
    bed = await createPushTestbed();
    await bed.connect();
  });
  afterEach(() => bed.close());

  it('gets one call per batch and each item its own outcome (a refused item is a reject)', async () => {
    bed.accounts = Array.from({ length: 10 }, (_, i) => scored(i));
    const open = await openConnection(bed.deps, bed.workspaceId, 'attio');
    const capability = bed.deps.integrations.require('attio').destination!;
    const inner = capability.open(connectionClient(bed.deps, open), {
      workspaceId: bed.workspaceId,
      connectionId: open.connectionId,
      settings: open.settings,
      logger: bed.deps.logger,
      clock: bed.deps.clock,
    });
    const calls: string[][] = [];
    const destination = batching(inner, 'acct3.com', calls);
    const deps = { db: bed.deps.db.kysely, clock: bed.deps.clock, logger: bed.deps.logger };
    const mapping = resolveMapping();
    const plan = await buildPushPlan(deps, bed.workspaceId, destination, bed.deps.pushSource, { mapping });
    const runId = await openPushRun(deps, bed.workspaceId, destination.name, { trigger: 'test', actor });
    const run = await applyPushPlan(deps, bed.workspaceId, destination, plan, { mapping, runId });

    expect(calls.map((c) => c.length).sort()).toEqual([2, 4, 4]);
    expect(new Set(calls.flat()).size).toBe(10);
    expect(run).toMatchObject({ status: 'partial', counts: { created: 9, rejected: 1 } });
    const { items } = await getPushRun(bed.deps, bed.workspaceId, runId);
    expect(items.filter((i) => i.status === 'written')).toHaveLength(9);
    expect(items.find((i) => i.key === 'acct3.com')).toMatchObject({
      status: 'rejected',
      reason: 'bad domain',
    });
    expect(historyOf(bed.sim, 'acct2.com', 'beton_health')).toHaveLength(1);
    expect(historyOf(bed.sim, 'acct3.com', 'beton_health')).toHaveLength(0);
  });
});
