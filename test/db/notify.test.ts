import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyOnCommit } from '../../src/db/dialect.js';
import { BackgroundWriter } from '../../src/db/index.js';
import { eventWrites, OUTBOX_CHANNEL } from '../../src/outbox/index.js';
import { waitFor } from '../jobs/support.js';
import { createTestDb, postgresUrl, type TestDb } from '../support/index.js';

/**
 * Commit signals on the suite's database (SQLite, or Postgres with DATABASE_URL): heard after the
 * transaction that asked for them commits, never before and never after a rollback.
 */

let t: TestDb;
const heard: string[] = [];
const stops: Array<() => Promise<void>> = [];
const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  for (const channel of ['chan_a', 'chan_b', OUTBOX_CHANNEL])
    stops.push(await t.db.listen(channel, () => heard.push(channel)));
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await t?.close();
});

describe('notifyOnCommit and Db.listen', () => {
  it('signals once the transaction commits, once per channel, and not while it is open', async () => {
    heard.length = 0;
    await t.db.kysely.transaction().execute(async (trx) => {
      await notifyOnCommit(trx, 'chan_a');
      await notifyOnCommit(trx, 'chan_a');
      await sql`select 1`.execute(trx);
      await settle();
      expect(heard).toEqual([]);
    });
    await waitFor('the signal', () => heard.length === 1, 5_000);
    await settle();
    expect(heard).toEqual(['chan_a']);
  });

  it('a transaction that rolls back signals nothing', async () => {
    heard.length = 0;
    await expect(
      t.db.kysely.transaction().execute(async (trx) => {
        await notifyOnCommit(trx, 'chan_b');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await t.db.kysely.transaction().execute(async (trx) => notifyOnCommit(trx, 'chan_a'));
    await waitFor('the later signal', () => heard.length === 1, 5_000);
    await settle();
    expect(heard).toEqual(['chan_a']);
  });

  it('refuses to be called outside a transaction', async () => {
    await expect(notifyOnCommit(t.db.kysely, 'chan_a')).rejects.toThrow("needs the caller's transaction");
  });

  it.skipIf(!postgresUrl())('Postgres: hears only signals sent from its own schema', async () => {
    heard.length = 0;
    const other = new pg.Client({ connectionString: postgresUrl()! });
    await other.connect();
    try {
      await other.query(`select pg_notify('chan_b', 'some_other_schema')`);
      await other.query(`select pg_notify('chan_b', $1)`, [t.schema]);
    } finally {
      await other.end();
    }
    await waitFor('the signal from this schema', () => heard.length === 1, 5_000);
    await settle();
    expect(heard).toEqual(['chan_b']);
  });

  it.skipIf(!!postgresUrl())(
    "SQLite: a background writer batch (the score run's outbox writes) signals after it commits",
    async () => {
      heard.length = 0;
      const writer = BackgroundWriter.open(t.db.kysely)!;
      try {
        writer.write(
          eventWrites([
            { workspaceId: 'ws', type: 'sync.failed', subject: 'run-1', payload: { runId: 'run-1' } },
          ]),
        );
        await writer.flush();
        await waitFor('the batch signal', () => heard.length === 1, 5_000);
        // A batch that fails rolls back and signals nothing.
        writer.write([{ sql: 'insert into no_such_table (n) values (?)', rows: [[1]], notify: 'chan_a' }]);
        await expect(writer.flush()).rejects.toThrow('no such table');
        await settle();
        expect(heard).toEqual([OUTBOX_CHANNEL]);
      } finally {
        await writer.close().catch(() => undefined);
      }
    },
  );
});
