/**
 * Local stand-ins for PostHog, Stripe, Apollo and Attio over one synthetic world. Tests, the demo,
 * the benchmarks and `beton simulate` start them here.
 */
import {
  type ApolloSimulator,
  createApolloSimulator,
  DEFAULT_APOLLO_KEY,
} from '../integrations/apollo/simulator/index.js';
import {
  type AttioSimulator,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
} from '../integrations/attio/simulator/index.js';
import { type PostHogSimulator, startPostHogSimulator } from '../integrations/posthog/simulator/index.js';
import { type StripeSimulator, startStripeSimulator } from '../integrations/stripe/simulator/index.js';
import { type Dataset, DEFAULT_COMPANIES, generateDataset } from './dataset/index.js';
import { createSimClock, type Knobs } from './kit/index.js';

export * from './dataset/index.js';
export {
  createSimClock,
  createSimServer,
  defaultKnobs,
  type Knobs,
  type SimClock,
  type SimServer,
} from './kit/index.js';

export interface StartSimulatorsOptions {
  /** Seed of the world (default `beton`). */
  seed?: string | number;
  companies?: number;
  /** The world's "now" (default: the current minute). */
  now?: string | Date;
  /** Knobs applied to all four servers. */
  knobs?: Partial<Knobs>;
  /** A world already generated (seed, companies and now are then ignored). */
  dataset?: Dataset;
}

/** Base URLs and credentials, exactly what `beton simulate --json` prints. */
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
  credentials(): SimulatorCredentials;
  close(): Promise<void>;
}

/**
 * Start all four simulators on 127.0.0.1 (ephemeral ports) over one generated world.
 *
 * @example
 * const sims = await startSimulators({ seed: 'demo', companies: 300 });
 * sims.stripe.url; sims.stripe.apiKey;   // point the Stripe integration's baseUrl here
 * sims.sims.stripe.store.updateSubscription(id, { quantity: 12 });
 * await sims.close();
 */
export async function startSimulators(options: StartSimulatorsOptions = {}): Promise<RunningSimulators> {
  const dataset =
    options.dataset ??
    generateDataset({
      seed: options.seed ?? 'beton',
      companies: options.companies ?? DEFAULT_COMPANIES,
      ...(options.now ? { now: options.now } : {}),
    });
  const knobs = options.knobs ?? {};
  const clock = createSimClock(dataset.now);
  const started: { close(): Promise<void> }[] = [];
  try {
    const posthog = await startPostHogSimulator({ dataset, knobs, clock });
    started.push(posthog);
    const stripe = await startStripeSimulator({ dataset, knobs, clock });
    started.push(stripe);
    const apollo = createApolloSimulator({ dataset, knobs });
    const apolloUrl = await apollo.listen();
    started.push(apollo);
    const attio = createAttioSimulator({ crm: dataset.crm, knobs });
    const attioUrl = await attio.listen();
    started.push(attio);
    const credentials: SimulatorCredentials = {
      posthog: { url: posthog.url, apiKey: posthog.apiKey, projectId: posthog.projectId },
      stripe: { url: stripe.url, apiKey: stripe.apiKey, webhookSecret: stripe.webhookSecret },
      apollo: { url: `${apolloUrl}/api/v1`, apiKey: DEFAULT_APOLLO_KEY },
      attio: { url: attioUrl, apiKey: DEFAULT_ATTIO_TOKEN },
    };
    return {
      ...credentials,
      dataset,
      sims: { posthog, stripe, apollo, attio },
      credentials: () => structuredClone(credentials),
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw error;
  }
}
