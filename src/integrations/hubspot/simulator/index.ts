/** The HubSpot simulator: CRM objects with property history, search, batches, properties, owners, associations, limits. */
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import { createHubspotSimulator, DEFAULT_HUBSPOT_TOKEN, type HubspotSimulator } from './server.js';

export {
  ALL_SCOPES,
  createHubspotSimulator,
  DEFAULT_HUBSPOT_TOKEN,
  type HubspotSimOptions,
  type HubspotSimulator,
} from './server.js';
export { HubspotStore, MODIFIED, type SimObject, seedWorld } from './store.js';

/**
 * The uniform entry point the registry loads: the simulator seeded with the world's CRM (companies,
 * contacts, deals, owners), with what a connection needs (`beton simulate --json` prints `summary`).
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<HubspotSimulator>> {
  const server = createHubspotSimulator({
    dataset: options.dataset,
    ...(options.knobs ? { knobs: options.knobs } : {}),
  });
  const url = await server.listen(options.port);
  return {
    summary: { url, apiKey: DEFAULT_HUBSPOT_TOKEN },
    connection: { credentials: { apiKey: DEFAULT_HUBSPOT_TOKEN }, settings: { baseUrl: url } },
    server,
    setKnobs: (knobs) => server.setKnobs(knobs),
    // The 429 carries the window's interval header: the client knows when to come back.
    rateLimitStorm: (requests) => {
      server.rateLimitNext(requests);
      return { saysWhen: true };
    },
    stats: () => ({
      writes: server.counters.writes,
      rateLimited: server.counters.rateLimited,
      companies: server.store.live('companies').length,
    }),
    close: () => server.close(),
  };
}
