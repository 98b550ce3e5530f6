/** The Apollo simulator: enrichment by domain (single and bulk), people match, plan limits, credits. */
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import { type ApolloSimulator, createApolloSimulator, DEFAULT_APOLLO_KEY } from './server.js';

export { CreditLedger, type LedgerEntry } from './ledger.js';
export { ApolloLimiter, type ApolloPlan, PLAN_LIMITS, type WindowLimits } from './limits.js';
export {
  type ApolloKey,
  type ApolloSimOptions,
  type ApolloSimulator,
  createApolloSimulator,
  DEFAULT_APOLLO_KEY,
} from './server.js';
export { type ApolloWorld, apolloWorldFromDataset, toApolloOrganization } from './world.js';

/**
 * The uniform entry point the registry loads: the Apollo simulator over the world's firmographics
 * and people, with what a connection needs (`beton simulate --json` prints `summary`).
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<ApolloSimulator>> {
  const server = createApolloSimulator({
    dataset: options.dataset,
    ...(options.knobs ? { knobs: options.knobs } : {}),
  });
  const url = `${await server.listen(options.port)}/api/v1`;
  return {
    summary: { url, apiKey: DEFAULT_APOLLO_KEY },
    connection: { credentials: { apiKey: DEFAULT_APOLLO_KEY }, settings: { baseUrl: url } },
    server,
    setKnobs: (knobs) => server.setKnobs(knobs),
    close: () => server.close(),
  };
}
