import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import hubspot from '../../../src/integrations/hubspot/index.js';
import {
  ALL_SCOPES,
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../../src/integrations/hubspot/simulator/index.js';
import { createSyncTestbed, type SyncTestbed } from '../../support/testkit-integration/testbed.js';

/** The live token check: nothing is stored unless HubSpot accepts the token with every read scope. */
let bed: SyncTestbed;
let sim: HubspotSimulator;
beforeAll(async () => {
  sim = createHubspotSimulator();
  await sim.listen();
  bed = await createSyncTestbed({ integrations: [hubspot] });
});
afterAll(async () => {
  await bed.close();
  await sim.close();
});

const connections = () => bed.deps.db.kysely.selectFrom('connections').selectAll().execute();

describe('connecting HubSpot', () => {
  it('refuses a wrong token with HubSpot’s reason, storing nothing', async () => {
    const refused = bed.connectWith('hubspot', { apiKey: 'pat-na1-wrong-token-000' }, { baseUrl: sim.url });
    await expect(refused).rejects.toMatchObject({ status: 400, code: 'invalid_credentials' });
    await expect(refused).rejects.toThrow(/Authentication credentials not found/);
    expect(await connections()).toHaveLength(0);
  });

  it('refuses a token missing scopes, naming each missing one, storing nothing', async () => {
    const token = sim.issueToken(
      ALL_SCOPES.filter((s) => s !== 'crm.objects.deals.read' && s !== 'crm.objects.owners.read'),
    );
    const refused = bed.connectWith('hubspot', { apiKey: token }, { baseUrl: sim.url });
    await expect(refused).rejects.toMatchObject({
      status: 400,
      code: 'invalid_credentials',
      details: { missingScopes: ['crm.objects.deals.read', 'crm.objects.owners.read'] },
    });
    await expect(refused).rejects.toThrow(/crm\.objects\.deals\.read, crm\.objects\.owners\.read/);
    expect(await connections()).toHaveLength(0);
  });

  it('stores a good token, labelled with the HubSpot portal', async () => {
    await bed.connectWith('hubspot', { apiKey: sim.apiKey }, { baseUrl: sim.url });
    const rows = await connections();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0])).not.toContain(sim.apiKey);
    expect(rows[0]!.account_label).toBe('HubSpot portal 24681357 (app.hubspot.com)');
  });
});
