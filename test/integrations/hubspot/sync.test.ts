import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hubspot from '../../../src/integrations/hubspot/index.js';
import {
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../../src/integrations/hubspot/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { allRecords, executeRun, startSync } from '../../../src/sync/index.js';
import { createSyncTestbed, type SyncTestbed } from '../../support/testkit-integration/testbed.js';

/**
 * The streams through the sync engine over HTTP: a full pass lists every object; later passes search
 * by the modified date, past HubSpot's 10,000-result cap; a 429 storm without Retry-After is waited
 * out (no request before the window allows); a full pass marks archived objects deleted.
 */
const dataset = generateDataset({ seed: 'hubspot-sync', companies: 150 });
const WINDOW_MS = 1_000;

let bed: SyncTestbed;
let sim: HubspotSimulator;
beforeAll(async () => {
  // Limits off: the test paces nothing of its own; the storm test turns a storm on by hand.
  sim = createHubspotSimulator({ dataset, windowMs: WINDOW_MS, knobs: { rateLimits: false } });
  await sim.listen();
  bed = await createSyncTestbed({ integrations: [hubspot] });
  await bed.connectWith('hubspot', { apiKey: sim.apiKey }, { baseUrl: sim.url, requestsPer10Seconds: 190 });
});
afterAll(async () => {
  await bed.close();
  await sim.close();
});

const sync = async (full = false) => {
  const run = await startSync(bed.deps, bed.workspaceId, 'hubspot', { trigger: 'manual', full });
  return executeRun(bed.deps, bed.workspaceId, run.id);
};
const stored = (stream: string) =>
  allRecords(bed.deps.db.kysely, bed.workspaceId, { integration: 'hubspot', stream });
const live = async (stream: string) => (await stored(stream)).filter((r) => r.deletedAt === null);

describe('HubSpot streams through the sync engine', () => {
  it('lists every object, owner and association on the first pass', async () => {
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(await live('companies')).toHaveLength(sim.store.live('companies').length);
    expect(await live('contacts')).toHaveLength(sim.store.live('contacts').length);
    expect(await live('deals')).toHaveLength(sim.store.live('deals').length);
    expect(await live('owners')).toHaveLength(sim.store.owners.length);
    const links = [...sim.store.links.contacts.values()].reduce((n, s) => n + s.size, 0);
    expect(await live('company_contacts')).toHaveLength(links);
    const deal = (await live('deals'))[0]!.payload as {
      associations?: { companies?: { results: unknown[] } };
    };
    expect(deal.associations?.companies?.results).toHaveLength(1);
    expect(sim.counters.byRoute['POST /crm/v3/objects/:type/search'] ?? 0).toBe(0);
  });

  it('waits out a 429 storm without Retry-After: no request before the window allows, nothing lost', async () => {
    const edited = sim.store.live('companies').slice(0, 3);
    for (const c of edited)
      sim.store.set(c, { name: `${c.properties.name} (renamed)` }, 'CRM_UI', Date.now() + 120_000);
    const from = sim.log.length;
    sim.rateLimitNext(3);
    const run = await sync();
    expect(run.status).toBe('succeeded');
    const log = sim.log.slice(from);
    const refused = log.filter((l) => l.status === 429);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      const next = log[log.indexOf(r) + 1]!;
      expect(next.at - r.at).toBeGreaterThanOrEqual(WINDOW_MS);
    }
    const names = new Map(
      (await live('companies')).map((r) => [
        r.externalId,
        (r.payload as { properties: { name: string } }).properties.name,
      ]),
    );
    for (const c of edited) expect(names.get(c.id)).toMatch(/\(renamed\)$/);
  }, 60_000);

  it('then searches by modified date, past the 10,000-result cap, without a 400', async () => {
    const base = Date.now() + 60_000;
    for (let i = 0; i < 10_250; i++) {
      sim.store.create(
        'companies',
        { domain: `bulk-${i}.example.com`, name: `Bulk ${i}` },
        'IMPORT',
        base + i,
      );
    }
    const lists = sim.counters.byRoute['GET /crm/v3/objects/:type'] ?? 0;
    const run = await sync();
    expect(run.status).toBe('succeeded');
    expect(await live('companies')).toHaveLength(sim.store.live('companies').length);
    expect(sim.counters.byStatus[400] ?? 0).toBe(0);
    // Only the association streams list companies (ids), two pages each per 100 companies.
    const companyPages = Math.ceil(sim.store.live('companies').length / 100);
    expect((sim.counters.byRoute['GET /crm/v3/objects/:type'] ?? 0) - lists).toBe(2 * companyPages);
    // A query reached the cap: a second query started from the last modified time read.
    const starts = sim.log.filter((l) => l.route === 'POST /crm/v3/objects/:type/search');
    expect(starts.length).toBeGreaterThanOrEqual(52);
  }, 120_000);

  it('marks archived companies deleted on a full pass', async () => {
    const archived = sim.store.live('companies')[5]!;
    sim.store.archive(archived);
    const run = await sync(true);
    expect(run.status).toBe('succeeded');
    const row = (await stored('companies')).find((r) => r.externalId === archived.id);
    expect(row?.deletedAt).not.toBeNull();
    expect(await live('companies')).toHaveLength(sim.store.live('companies').length);
  }, 60_000);
});
