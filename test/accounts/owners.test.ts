import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor, ingestChanges } from '../../src/accounts/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { RecordWriter } from './records.js';

/**
 * Account owners are a fact CRMs declare: a company record names its owner (a reference to the
 * CRM's users, synced as a stream of their own), and the account carries the owner's e-mail and
 * name. An owner's new e-mail reaches accounts whose company records did not change.
 */

const WS = 'ws_owners';
let t: TestDb;
let w: RecordWriter;
let watermark: string | null = null;
const db = () => t.db.kysely;
const acme = accountIdFor(WS, 'acme.io');
const globex = accountIdFor(WS, 'globex.com');

async function ingest(now: string) {
  w.now = now;
  const result = await ingestChanges(db(), WS, { watermark, now, liveSinceDay: null });
  watermark = result.watermark;
  return result;
}

const owner = async (id: string) =>
  db()
    .selectFrom('accounts')
    .select(['owner_email', 'owner_name', 'owner_source'])
    .where('workspace_id', '=', WS)
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

const hubspotOwner = (id: string, email: string, firstName: string, lastName: string) =>
  w.put('hubspot', 'owners', id, { id, email, firstName, lastName, userId: 1, archived: false });
const hubspotCompany = (id: string, domain: string, ownerId: string | null) =>
  w.put('hubspot', 'companies', id, {
    id,
    properties: { domain, name: domain, hubspot_owner_id: ownerId, createdate: '2024-01-01T00:00:00Z' },
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
    archived: false,
  });

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  w = new RecordWriter(db(), WS, '2025-06-01T10:00:00.000Z');
  await hubspotOwner('70001', 'Ann.Lee@Seller.io', 'Ann', 'Lee');
  await hubspotOwner('70002', 'bo@seller.io', 'Bo', 'Chen');
  await hubspotCompany('1', 'acme.io', '70001');
  await hubspotCompany('2', 'globex.com', null);
  await ingest('2025-06-01T10:05:00.000Z');
});

afterAll(async () => {
  await t?.close();
});

describe('account owners', () => {
  it('a CRM company names its owner: the account carries their e-mail (lower-cased), name and source', async () => {
    expect(await owner(acme)).toEqual({
      owner_email: 'ann.lee@seller.io',
      owner_name: 'Ann Lee',
      owner_source: 'hubspot',
    });
    expect(await owner(globex)).toEqual({ owner_email: null, owner_name: null, owner_source: null });
  });

  it("an owner's new e-mail reaches their accounts though the company records did not change", async () => {
    w.now = '2025-06-02T10:00:00.000Z';
    await hubspotOwner('70001', 'ann@seller.io', 'Ann', 'Lee-Park');
    const result = await ingest('2025-06-02T10:05:00.000Z');
    expect(result.touched.has(acme)).toBe(false);
    expect(await owner(acme)).toMatchObject({ owner_email: 'ann@seller.io', owner_name: 'Ann Lee-Park' });
  });

  it('a company reassigned, or left without an owner, moves the account with it', async () => {
    w.now = '2025-06-03T10:00:00.000Z';
    await hubspotCompany('1', 'acme.io', null);
    await hubspotCompany('2', 'globex.com', '70002');
    await ingest('2025-06-03T10:05:00.000Z');
    expect(await owner(acme)).toEqual({ owner_email: null, owner_name: null, owner_source: null });
    expect(await owner(globex)).toMatchObject({ owner_email: 'bo@seller.io', owner_name: 'Bo Chen' });
  });

  it('an owner id the synced users do not hold is no owner', async () => {
    w.now = '2025-06-04T10:00:00.000Z';
    await hubspotCompany('1', 'acme.io', '79999');
    await ingest('2025-06-04T10:05:00.000Z');
    expect((await owner(acme)).owner_email).toBeNull();
  });
});
