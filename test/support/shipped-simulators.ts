import type { ApolloSimulator } from '../../src/integrations/apollo/simulator/index.js';
import type { AttioSimulator } from '../../src/integrations/attio/simulator/index.js';
import type { PostHogSimulator } from '../../src/integrations/posthog/simulator/index.js';
import type { StripeSimulator } from '../../src/integrations/stripe/simulator/index.js';
import {
  type Dataset,
  type RunningSimulators as Fleet,
  type StartSimulatorsOptions,
  startSimulators as startFleet,
} from '../../src/simulators/index.js';

/** Base URLs and credentials of the four shipped simulators, typed for tests that use one of them. */
export interface SimulatorCredentials {
  posthog: { url: string; apiKey: string; projectId: number };
  stripe: { url: string; apiKey: string; webhookSecret: string };
  apollo: { url: string; apiKey: string };
  attio: { url: string; apiKey: string };
}

export interface RunningSimulators extends SimulatorCredentials {
  dataset: Dataset;
  /** The servers themselves, for knobs, counters and state changes in tests. */
  sims: {
    posthog: PostHogSimulator;
    stripe: StripeSimulator;
    apollo: ApolloSimulator;
    attio: AttioSimulator;
  };
  /** Every registered simulator, as the generic suites walk them. */
  fleet: Fleet;
  credentials(): SimulatorCredentials;
  close(): Promise<void>;
}

/**
 * The registry's simulators (src/simulators `startSimulators`), with a typed view of the four
 * shipped ones for tests that drive a particular service (edit an Attio value, move Stripe's clock).
 *
 * @example
 * const sims = await startSimulators({ seed: 'x', companies: 20 });
 * sims.sims.attio.editAsPerson('acme.com', { beton_health: 90 });
 */
export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<RunningSimulators> {
  return shippedView(await startFleet(options));
}

/** The typed view of simulators already running (the demo's, for instance). */
export function shippedView(fleet: Fleet): RunningSimulators {
  const credentials = (): SimulatorCredentials => fleet.credentials() as unknown as SimulatorCredentials;
  return {
    ...credentials(),
    dataset: fleet.dataset,
    sims: {
      posthog: fleet.get('posthog').server as PostHogSimulator,
      stripe: fleet.get('stripe').server as StripeSimulator,
      apollo: fleet.get('apollo').server as ApolloSimulator,
      attio: fleet.get('attio').server as AttioSimulator,
    },
    fleet,
    credentials,
    close: () => fleet.close(),
  };
}
