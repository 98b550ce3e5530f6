import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/audit/index.js';
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

  it('creates the core tables; audit ids are random per row and sort in the order written', async () => {
    const tables = (await t.db.kysely.introspection.getTables()).map((x) => x.name);
    expect(tables).toEqual(expect.arrayContaining(['api_keys', 'connections', 'audit_log']));
    for (const action of ['a', 'b', 'c']) {
      await recordAudit(t.db, 'w', { actorType: 'system', actorId: null }, action);
    }
    const rows = await t.db.kysely.selectFrom('audit_log').select(['id', 'action']).orderBy('id').execute();
    expect(rows.map((r) => r.action)).toEqual(['a', 'b', 'c']);
    for (const r of rows)
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Not a sequence: consecutive entries differ in their random bits, not by one.
    expect(new Set(rows.map((r) => r.id.slice(-12))).size).toBe(3);
  });
});
