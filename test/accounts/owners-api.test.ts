import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedAccounts, WORLD } from '../segments/world.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * Owners over the API: the accounts list filters by them and shows them, the account shows its
 * owner, and `GET /accounts/owners` lists the workspace's owners (never another workspace's).
 */

let t: TestRuntime;
let ids: Record<string, string>;

beforeAll(async () => {
  t = await createTestRuntime();
  ids = await seedAccounts(t.rt.db.kysely, t.workspaceId, WORLD);
  const other = await t.createOtherWorkspace();
  await seedAccounts(
    t.rt.db.kysely,
    other.workspaceId,
    WORLD.map((a) => ({ ...a, owner: a.owner ? `other-${a.owner}` : undefined })),
  );
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('owners in the accounts API', () => {
  it('filters the list by owner e-mail (any case) or none, and shows each owner', async () => {
    const res = await t.request('GET', '/api/v1/accounts?owner=Ann@Seller.io', { key: t.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.json.items.map((a: { domain: string }) => a.domain).sort()).toEqual(['acme.io', 'globex.com']);
    expect(res.json.items[0].owner).toEqual({ email: 'ann@seller.io', name: null });
    const none = await t.request('GET', '/api/v1/accounts?owner=none', { key: t.keys.viewer });
    expect(none.json.items.map((a: { domain: string }) => a.domain).sort()).toEqual([
      'hooli.xyz',
      'stark.dev',
      'umbrella.org',
    ]);
    expect(none.json.items.every((a: { owner: unknown }) => a.owner === null)).toBe(true);
    const bad = await t.request('GET', '/api/v1/accounts?owner=ann', { key: t.keys.viewer });
    expect(bad.status).toBe(400);
  });

  it("lists this workspace's owners with their account counts, and the account shows its owner", async () => {
    const res = await t.request('GET', '/api/v1/accounts/owners', { key: t.keys.viewer });
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([
      { email: 'ann@seller.io', name: null, accounts: 2 },
      { email: 'bo@seller.io', name: null, accounts: 1 },
    ]);
    // The world's scores carry no explanation to show: the account page reads it unscored.
    await t.rt.db.kysely
      .deleteFrom('account_scores')
      .where('workspace_id', '=', t.workspaceId)
      .where('account_id', '=', ids['initech.net']!)
      .execute();
    const detail = await t.request('GET', `/api/v1/accounts/${ids['initech.net']}`, { key: t.keys.viewer });
    expect(detail.status, detail.text).toBe(200);
    expect(detail.json.account.owner).toEqual({ email: 'bo@seller.io', name: null, source: null });
  });
});
