/**
 * Local stand-ins for every registered integration that declares a `simulator`, over one synthetic
 * world. `beton simulate`, the demo workspace, the benchmarks and the reliability and security
 * suites start them here; each integration's simulator lives in its own folder
 * (src/integrations/<name>/simulator/) on the shared kit (./kit) and dataset (./dataset).
 */
import {
  type AnyIntegration,
  type IntegrationCategory,
  type IntegrationRegistry,
  integrations,
  type SimulatorSummary,
  type StartedSimulator,
} from '../integrations/index.js';
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
  /** Knobs applied to every server. */
  knobs?: Partial<Knobs>;
  /** A world already generated (seed, companies and now are then ignored). */
  dataset?: Dataset;
  /** Where the integrations come from (default: the shipped registry). */
  registry?: Pick<IntegrationRegistry, 'list'>;
  /** Start only these integrations' simulators (default: every one that has a simulator). */
  only?: readonly string[];
}

/** What `beton simulate --json` prints: one key per integration, its base URL and credentials. */
export type SimulatorCredentials = Record<string, SimulatorSummary>;

/** A named running simulator. */
export interface NamedSimulator extends StartedSimulator {
  name: string;
}

export interface RunningSimulators {
  dataset: Dataset;
  /** The running simulators in pipeline order (sources, then enrichment, then CRMs). */
  list: readonly NamedSimulator[];
  /** Throws naming the running ones when `name` has none. */
  get(name: string): NamedSimulator;
  /** One key per integration: what `beton simulate --json` prints. */
  credentials(): SimulatorCredentials;
  close(): Promise<void>;
}

/**
 * Pipeline order: analytics and billing sources first, then enrichment, then CRMs; the registry's
 * order within a category. This is the order `beton simulate` prints and the demo connects.
 */
const CATEGORY_ORDER: readonly IntegrationCategory[] = [
  'analytics',
  'billing',
  'enrichment',
  'crm',
  'messaging',
  'other',
];

/**
 * The registered integrations that declare a simulator, in pipeline order.
 *
 * @example
 * simulatedIntegrations().filter((i) => i.roles.includes('source')).map((i) => i.name);
 */
export function simulatedIntegrations(registry?: Pick<IntegrationRegistry, 'list'>): AnyIntegration[] {
  return (registry?.list() ?? integrations)
    .filter((i) => i.simulator !== undefined)
    .map((integration, index) => ({ integration, index }))
    .sort(
      (a, b) =>
        CATEGORY_ORDER.indexOf(a.integration.category) - CATEGORY_ORDER.indexOf(b.integration.category) ||
        a.index - b.index,
    )
    .map(({ integration }) => integration);
}

/**
 * Start every registered integration's simulator on 127.0.0.1 (ephemeral ports) over one generated
 * world, sharing one simulated clock. A failure closes what already started.
 *
 * @example
 * const sims = await startSimulators({ seed: 'demo', companies: 300 });
 * const acme = sims.get('acme');
 * await fetch(`${acme.summary.url}/v1/things`);  // acme.connection is the body that connects a workspace
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
  const wanted = simulatedIntegrations(options.registry).filter(
    (i) => !options.only || options.only.includes(i.name),
  );
  const started: NamedSimulator[] = [];
  try {
    // One after the other: the order of the ports follows the order of the list, as before.
    for (const integration of wanted) {
      const module = await integration.simulator!();
      const sim = await module.startSimulator({ dataset, knobs, clock });
      started.push({ ...sim, name: integration.name });
    }
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw error;
  }
  const byName = new Map(started.map((s) => [s.name, s]));
  return {
    dataset,
    list: Object.freeze([...started]),
    get(name) {
      const found = byName.get(name);
      if (!found) {
        const running = [...byName.keys()].join(', ') || 'none';
        throw new Error(`No simulator is running for "${name}" (running: ${running}).`);
      }
      return found;
    },
    credentials: () => Object.fromEntries(started.map((s) => [s.name, structuredClone(s.summary)])),
    close: async () => {
      await Promise.all(started.map((s) => s.close()));
    },
  };
}
