import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutboxEvents } from '../../src/outbox/index.js';
import { finishRun, openRun } from '../../src/push/repository.js';
import { createRun, expireStaleRuns, finishSyncRun } from '../../src/sync/runs.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/** A failed sync run and a finished push run are announced in the outbox, in the transaction that ends them. */

let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t.close());

describe('outbox hooks for webhooks', () => {
  it('records sync.failed for a failed sync run, nothing for a successful one', async () => {
    const db = t.rt.db.kysely;
    const now = new Date();
    const ok = await createRun(
      db,
      t.workspaceId,
      { connectionId: 'c1', integration: 'acme', trigger: 'api' },
      { now, leaseMs: 60_000 },
    );
    await finishSyncRun(db, t.workspaceId, ok.id, {
      status: 'succeeded',
      streams: {},
      warnings: [],
      error: null,
      now: now.toISOString(),
    });
    const bad = await createRun(
      db,
      t.workspaceId,
      { connectionId: 'c2', integration: 'acme', trigger: 'schedule' },
      { now, leaseMs: 60_000 },
    );
    const error = { code: 'auth', message: 'The key was revoked; reconnect.' };
    await finishSyncRun(db, t.workspaceId, bad.id, {
      status: 'failed',
      streams: {},
      warnings: [],
      error,
      now: now.toISOString(),
    });
    const events = await listOutboxEvents(db, t.workspaceId, { types: ['sync.failed'] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subject: bad.id,
      payload: { runId: bad.id, integration: 'acme', trigger: 'schedule', error },
    });
  });

  it('records sync.failed for a run whose process stopped heartbeating', async () => {
    const db = t.rt.db.kysely;
    const now = new Date();
    const run = await createRun(
      db,
      t.workspaceId,
      { connectionId: 'c3', integration: 'acme', trigger: 'schedule' },
      { now, leaseMs: 60_000 },
    );
    expect(await expireStaleRuns(db, t.workspaceId, 'c3', new Date(now.getTime() + 120_000), 60_000)).toBe(1);
    const events = await listOutboxEvents(db, t.workspaceId, { types: ['sync.failed'] });
    expect(events.find((e) => e.subject === run.id)?.payload).toMatchObject({
      error: { code: 'interrupted' },
    });
  });

  it('records push.completed for every finished push run (not for rollbacks)', async () => {
    const db = t.rt.db.kysely;
    const now = new Date().toISOString();
    const actor = { type: 'user', id: null };
    const push = await openRun(db, t.workspaceId, {
      destination: 'crm',
      kind: 'push',
      trigger: 'api',
      actor,
      now,
    });
    await finishRun(db, t.workspaceId, push, { status: 'partial', error: null, now });
    const rollback = await openRun(db, t.workspaceId, {
      destination: 'crm',
      kind: 'rollback',
      trigger: 'api',
      actor,
      rollbackOf: push,
      now,
    });
    await finishRun(db, t.workspaceId, rollback, { status: 'succeeded', error: null, now });
    const events = await listOutboxEvents(db, t.workspaceId, { types: ['push.completed'] });
    expect(events.map((e) => e.subject)).toEqual([push]);
    expect(events[0]!.payload).toMatchObject({
      runId: push,
      destination: 'crm',
      status: 'partial',
      counts: { rejected: 0 },
    });
  });
});
