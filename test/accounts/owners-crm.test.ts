import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor, ingestChanges } from '../../src/accounts/index.js';
import attio from '../../src/integrations/attio/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import hubspot from '../../src/integrations/hubspot/index.js';
import {
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../src/integrations/hubspot/simulator/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';
import { executeRun, startSync } from '../../src/sync/index.js';
import { createSyncTestbed, type SyncTestbed } from '../support/testkit-integration/testbed.js';

/**
 * Owners from both simulated CRMs over real HTTP: Attio's companies name a workspace member in
 * their `owner` attribute, HubSpot's a `hubspot_owner_id` among its owners; synced and ingested, each
 * CRM company's account carries the owner the world assigned it, the two CRMs agreeing.
 */
const dataset = generateDataset({ seed: 'owners-crm', companies: 120 });

let bed: SyncTestbed;
let attioSim: AttioSimulator;
let hubspotSim: HubspotSimulator;
beforeAll(async () => {
  attioSim = createAttioSimulator({ crm: dataset.crm });
  hubspotSim = createHubspotSimulator({ dataset, knobs: { rateLimits: false } });
  await attioSim.listen();
  await hubspotSim.listen();
  bed = await createSyncTestbed({ integrations: [attio, hubspot] });
  await bed.connectWith('attio', { apiKey: DEFAULT_ATTIO_TOKEN }, { baseUrl: attioSim.url });
  await bed.connectWith('hubspot', { apiKey: hubspotSim.apiKey }, { baseUrl: hubspotSim.url });
  for (const name of ['attio', 'hubspot']) {
    const run = await startSync(bed.deps, bed.workspaceId, name, { trigger: 'manual' });
    expect((await executeRun(bed.deps, bed.workspaceId, run.id)).status).toBe('succeeded');
  }
  await ingestChanges(bed.deps.db.kysely, bed.workspaceId, {
    watermark: null,
    now: new Date().toISOString(),
    liveSinceDay: null,
  });
}, 120_000);
afterAll(async () => {
  await bed?.close();
  await attioSim?.close();
  await hubspotSim?.close();
});

describe('owners from the simulated CRMs', () => {
  it("every CRM company's account carries its owner's e-mail and name; unowned ones none", async () => {
    const members = new Map(dataset.crm.members.map((m) => [m.id, m]));
    const accounts = new Map(
      (
        await bed.deps.db.kysely
          .selectFrom('accounts')
          .select(['id', 'owner_email', 'owner_name'])
          .where('workspace_id', '=', bed.workspaceId)
          .execute()
      ).map((a) => [a.id, a]),
    );
    let owned = 0;
    let unowned = 0;
    for (const company of dataset.crm.companies) {
      const domain = dataset.companyById.get(company.companyId)!.domain;
      const account = accounts.get(accountIdFor(bed.workspaceId, domain));
      expect(account, domain).toBeDefined();
      const member = company.ownerId ? members.get(company.ownerId)! : null;
      expect({ email: account!.owner_email, name: account!.owner_name }).toEqual({
        email: member ? member.email.toLowerCase() : null,
        name: member ? `${member.firstName} ${member.lastName}` : null,
      });
      if (member) owned++;
      else unowned++;
    }
    expect(owned).toBeGreaterThan(20);
    expect(unowned).toBeGreaterThan(0);
  });
});
