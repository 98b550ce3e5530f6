/** The PostHog simulator: `startPostHogSimulator({ dataset })`. */
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import { type PostHogSimulator, startPostHogSimulator } from './server.js';

export { HogQLError } from './hogql/index.js';
export {
  ALL_SCOPES,
  POSTHOG_LIMITS,
  type PostHogLimits,
  type PostHogQueryStats,
  type PostHogScope,
  type PostHogSimulator,
  type PostHogSimulatorOptions,
  startPostHogSimulator,
} from './server.js';
export { DatasetEventTable, type LateEvent, personProperties } from './table.js';

/**
 * The uniform entry point the registry loads: the PostHog simulator over the world, with what a
 * connection needs (`beton simulate --json` prints `summary`).
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<PostHogSimulator>> {
  const server = await startPostHogSimulator({
    dataset: options.dataset,
    ...(options.knobs ? { knobs: options.knobs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return {
    summary: { url: server.url, apiKey: server.apiKey, projectId: server.projectId },
    connection: {
      credentials: { apiKey: server.apiKey },
      settings: { baseUrl: server.url, projectId: server.projectId },
    },
    server,
    setKnobs: (knobs) => server.server.setKnobs(knobs),
    rateLimitStorm: (requests) => {
      // PostHog's throttle answer says when to come back ("available in 1 second").
      server.throttleNext(requests, 1);
      return { saysWhen: true };
    },
    close: () => server.close(),
  };
}
