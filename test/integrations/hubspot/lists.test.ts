import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { createLogger } from '../../../src/core/logger.js';
import { createIntegrationClient } from '../../../src/integrations/client-factory.js';
import type { HubspotClient } from '../../../src/integrations/hubspot/client.js';
import hubspot from '../../../src/integrations/hubspot/index.js';
import {
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../../src/integrations/hubspot/simulator/index.js';
import type { PushDestination } from '../../../src/integrations/sdk.js';

/** HubSpot's static company lists behind the destination's optional `lists` (what a segment's list sync uses). */
let sim: HubspotSimulator;
let destination: PushDestination;
beforeAll(async () => {
  sim = createHubspotSimulator({ knobs: { rateLimits: false } });
  const url = await sim.listen();
  const logger = createLogger({ level: 'silent' });
  const client = createIntegrationClient(
    hubspot,
    { workspaceId: 'w', connectionId: 'c', credentials: { apiKey: sim.apiKey }, settings: { baseUrl: url } },
    { logger, clock: systemClock, allowPrivateHosts: true },
  ).client as HubspotClient;
  destination = hubspot.destination!.open(client, {
    workspaceId: 'w',
    connectionId: 'c',
    settings: {},
    logger,
    clock: systemClock,
  });
});
afterAll(() => sim.close());

describe('HubSpot company lists', () => {
  it('finds nothing on a dry run, creates the list once, keeps memberships idempotent', async () => {
    const lists = destination.lists!;
    const ids = Array.from(
      { length: 300 },
      (_, i) => sim.store.create('companies', { domain: `l${i}.example.com`, name: `L ${i}` }, 'IMPORT').id,
    );
    const writes = sim.counters.writes;
    expect(await lists.findList('Trialing, fit >= 80')).toBeNull();
    expect(sim.counters.writes).toBe(writes);

    const list = await lists.findOrCreateList('Trialing, fit >= 80');
    expect(list.created).toBe(true);
    expect(await lists.findOrCreateList('Trialing, fit >= 80')).toEqual({ ...list, created: false });

    await lists.addEntries(list.listId, ids);
    await lists.addEntries(list.listId, ids.slice(0, 10));
    const entries = await lists.listEntries(list.listId);
    expect(entries).toHaveLength(300);
    expect(new Set(entries.map((e) => e.recordId))).toEqual(new Set(ids));

    await lists.removeEntries(list.listId, [ids[0]!, ids[1]!, ids[0]!]);
    expect(sim.listMembers('Trialing, fit >= 80')).toHaveLength(298);
    expect(sim.listMembers('Trialing, fit >= 80')).not.toContain(ids[0]);
  });
});
