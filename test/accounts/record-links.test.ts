import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor, ingestChanges } from '../../src/accounts/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../../src/integrations/attio/simulator/index.js';
import {
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../src/integrations/hubspot/simulator/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { RecordWriter } from './records.js';

/**
 * The account page links to the account's company record in each connected CRM's own app, built
 * from the record id and what the connection's check stored (HubSpot's portal, Attio's workspace
 * slug, both read over HTTP from the simulators at connect time): the synced record linked to the
 * account, else the record the push last wrote; a company deleted in the CRM has no link.
 */

let t: TestRuntime;
let hubspotSim: HubspotSimulator;
let attioSim: AttioSimulator;
const acme = () => accountIdFor(t.workspaceId, 'acme.io');
const globex = () => accountIdFor(t.workspaceId, 'globex.com');

const company = (id: string, domain: string) => ({
  id,
  properties: { domain, name: domain, createdate: '2024-01-01T00:00:00Z' },
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-01-01T00:00:00Z',
  archived: false,
});
const attioCompany = (recordId: string, domain: string) => ({
  id: { workspace_id: 'w', object_id: 'o', record_id: recordId },
  created_at: '2024-01-01T00:00:00Z',
  values: {
    domains: [{ active_from: '2024-01-01T00:00:00Z', active_until: null, domain, attribute_type: 'domain' }],
  },
});

beforeAll(async () => {
  hubspotSim = createHubspotSimulator({ knobs: { rateLimits: false } });
  attioSim = createAttioSimulator();
  await hubspotSim.listen();
  await attioSim.listen();
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' } });
  for (const [name, credentials, url] of [
    ['hubspot', { apiKey: hubspotSim.apiKey }, hubspotSim.url],
    ['attio', { apiKey: DEFAULT_ATTIO_TOKEN }, attioSim.url],
  ] as const) {
    const res = await t.request('PUT', `/api/v1/integrations/${name}`, {
      key: t.keys.admin,
      body: { credentials, settings: { baseUrl: url } },
    });
    expect(res.status, res.text).toBe(200);
  }
  const w = new RecordWriter(t.rt.db.kysely, t.workspaceId, '2025-06-01T10:00:00.000Z');
  await w.put('hubspot', 'companies', '9001', company('9001', 'acme.io'));
  await w.put('attio', 'companies', 'rec-acme', attioCompany('rec-acme', 'acme.io'));
  await w.put('hubspot', 'companies', '9002', company('9002', 'globex.com'), true);
  await w.put('posthog', 'groups', '0:globex.com', {
    group_type_index: 0,
    group_key: 'globex.com',
    group_properties: { name: 'Globex', domain: 'globex.com' },
    created_at: '2024-01-01T00:00:00Z',
  });
  await ingestChanges(t.rt.db.kysely, t.workspaceId, {
    watermark: null,
    now: '2025-06-01T10:05:00.000Z',
    liveSinceDay: null,
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await hubspotSim?.close();
  await attioSim?.close();
});

const crmLinks = async (id: string) => {
  const res = await t.request('GET', `/api/v1/accounts/${id}`, { key: t.keys.viewer });
  expect(res.status, res.text).toBe(200);
  return res.json.crmLinks as { integration: string; label: string; recordId: string; url: string }[];
};

describe('CRM record links', () => {
  it("links the account to its synced company in each CRM's app", async () => {
    expect(await crmLinks(acme())).toEqual([
      {
        integration: 'attio',
        label: 'Attio',
        recordId: 'rec-acme',
        url: 'https://app.attio.com/simulated-attio/company/rec-acme/overview',
      },
      {
        integration: 'hubspot',
        label: 'HubSpot',
        recordId: '9001',
        // The simulator's portal, as its account-info answered at connect time.
        url: 'https://app.hubspot.com/contacts/24681357/record/0-2/9001',
      },
    ]);
  });

  it('a company deleted in the CRM has no link; the record the push last wrote has one', async () => {
    expect(await crmLinks(globex())).toEqual([]);
    await t.rt.db.kysely
      .insertInto('push_state')
      .values({
        workspace_id: t.workspaceId,
        destination: 'hubspot',
        record_key: 'globex.com',
        account_id: globex(),
        record_id: '9100',
        hash: 'h',
        values_json: '{}',
        run_id: 'run_1',
        written_at: '2025-06-01T11:00:00.000Z',
      })
      .execute();
    expect((await crmLinks(globex())).map((l) => l.recordId)).toEqual(['9100']);
  });
});
