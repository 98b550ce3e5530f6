import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, pendingMigrations } from '../../src/db/index.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDb, type TestDb } from '../support/index.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t?.close());

describe(`migrations from an empty database (${process.env.DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite'})`, () => {
  it('applies every migration in order, then has nothing pending', async () => {
    expect(await pendingMigrations(t.db.kysely)).toEqual(Object.keys(migrations));
    const applied = await migrateToLatest(t.db.kysely);
    expect(applied).toEqual(Object.keys(migrations));
    expect(await pendingMigrations(t.db.kysely)).toEqual([]);
  });

  it('is a no-op the second time', async () => {
    expect(await migrateToLatest(t.db.kysely)).toEqual([]);
  });

  it('creates the core tables with a working auto-increment audit id', async () => {
    const tables = (await t.db.kysely.introspection.getTables()).map((x) => x.name);
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'connections', 'audit_log']));
    for (const action of ['a', 'b']) {
      await t.db.kysely
        .insertInto('audit_log')
        .values({
          workspace_id: 'w',
          actor_type: 'system',
          actor_id: null,
          action,
          target_type: null,
          target_id: null,
          details_json: null,
          created_at: new Date().toISOString(),
        })
        .execute();
    }
    const ids = (await t.db.kysely.selectFrom('audit_log').select('id').orderBy('id').execute()).map(
      (r) => r.id,
    );
    expect(ids).toEqual([1, 2]);
  });
});
