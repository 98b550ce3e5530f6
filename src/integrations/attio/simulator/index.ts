/** The Attio simulator: records with value history and authors, filters, asserts, notes, lists, limits. */
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import { type AttioSimulator, createAttioSimulator, DEFAULT_ATTIO_TOKEN } from './server.js';

export { AttioApiError } from './errors.js';
export {
  ALL_SCOPES,
  type AttioSimOptions,
  type AttioSimulator,
  type AttioToken,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
  httpDate,
  seedCrm,
} from './server.js';
export { AttioStore, type QueryOptions } from './store.js';
export type { Actor, ActorType, AttributeType } from './values.js';

/**
 * The uniform entry point the registry loads: the Attio simulator seeded with the world's CRM, with
 * what a connection needs (`beton simulate --json` prints `summary`).
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<AttioSimulator>> {
  const server = createAttioSimulator({
    crm: options.dataset.crm,
    ...(options.knobs ? { knobs: options.knobs } : {}),
  });
  const url = await server.listen(options.port);
  return {
    summary: { url, apiKey: DEFAULT_ATTIO_TOKEN },
    connection: { credentials: { apiKey: DEFAULT_ATTIO_TOKEN }, settings: { baseUrl: url } },
    server,
    setKnobs: (knobs) => server.setKnobs(knobs),
    rateLimitStorm: (requests) => {
      server.rateLimitStorm({ reads: requests, writes: requests });
      return { saysWhen: true };
    },
    stats: () => ({
      writes: server.counters.writes,
      rateLimited: server.counters.rateLimited,
      companies: server.store.countRecords('companies'),
    }),
    close: () => server.close(),
  };
}
