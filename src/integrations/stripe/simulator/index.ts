/** The Stripe simulator: `startStripeSimulator({ dataset })`. */
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import { type StripeSimulator, startStripeSimulator } from './server.js';

export { type Params, type ParamValue, parseStripeParams } from './params.js';
export {
  type StripeResource,
  type StripeSimulator,
  type StripeSimulatorOptions,
  startStripeSimulator,
} from './server.js';
export {
  changedAttributes,
  STRIPE_API_VERSION,
  type StoredEvent,
  StripeError,
  StripeStore,
  type SubscriptionPatch,
} from './store.js';

/**
 * The uniform entry point the registry loads: the Stripe simulator over the world, with what a
 * connection needs (`beton simulate --json` prints `summary`).
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<StripeSimulator>> {
  const server = await startStripeSimulator({
    dataset: options.dataset,
    ...(options.knobs ? { knobs: options.knobs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return {
    summary: { url: server.url, apiKey: server.apiKey, webhookSecret: server.webhookSecret },
    connection: {
      credentials: { apiKey: server.apiKey, webhookSecret: server.webhookSecret },
      settings: { baseUrl: server.url },
    },
    server,
    setKnobs: (knobs) => server.server.setKnobs(knobs),
    rateLimitStorm: (requests) => {
      server.rateLimitStorm(requests);
      return { saysWhen: false };
    },
    close: () => server.close(),
  };
}
