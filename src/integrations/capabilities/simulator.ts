/**
 * The `simulator` capability: a local stand-in for the integration's service, started over the
 * shared synthetic world (src/simulators/dataset) on the simulator kit (src/simulators/kit). The
 * definition declares it lazily — `simulator: () => import('./simulator/index.js')` — so a
 * production server never loads simulator code; `beton simulate`, the demo workspace, the
 * benchmarks and the reliability and security suites find every simulator through the registry.
 *
 * Only types live here (erased at run time), so the SDK does not pull the dataset or the kit in.
 */
import type { Dataset } from '../../simulators/dataset/index.js';
import type { Knobs, SimClock } from '../../simulators/kit/index.js';

/** What a simulator is started with: the one world every simulator of a run shares. */
export interface SimulatorStartOptions {
  /** The synthetic world (companies, people, domains, billing, usage, CRM, "now"). */
  dataset: Dataset;
  /** Faults and latency applied to every answer (see src/simulators/kit/knobs.ts). */
  knobs?: Partial<Knobs>;
  /** The simulated clock shared by every simulator of a run (starts at `dataset.now`). */
  clock?: SimClock;
  /** TCP port on 127.0.0.1 (default: an ephemeral one). */
  port?: number;
}

/**
 * What a connection to the simulator needs, in the shape `beton simulate --json` prints for it:
 * the base URL first, then the credentials and settings values the user would type.
 */
export type SimulatorSummary = { url: string } & Record<string, string | number>;

/** A running simulator, the same for every integration. */
export interface StartedSimulator<TServer = unknown> {
  /** What `beton simulate --json` prints under the integration's name. */
  summary: SimulatorSummary;
  /** The body of `PUT /api/v1/integrations/<name>` that connects a workspace to it. */
  connection: { credentials: Record<string, unknown>; settings: Record<string, unknown> };
  /** The server itself, for knobs, counters and state changes in tests (its type is the integration's). */
  server: TServer;
  /** Change the fault and latency knobs while it runs (reliability and security suites). */
  setKnobs(knobs: Partial<Knobs>): void;
  /**
   * Answer the next `requests` requests with the service's own 429 (its body and headers), as a
   * storm would (0 ends a storm still under way). `saysWhen`: whether that 429 tells the client when to come back (Retry-After or
   * the like); a client that cannot know backs off and may end the run cleanly, to be resumed.
   */
  rateLimitStorm?(requests: number): { saysWhen: boolean };
  /** Its counters, for benchmarks that compare a run with the service's published limits. */
  stats?(): SimulatorStats;
  close(): Promise<void>;
}

/** What a simulator counted since it started. */
export interface SimulatorStats {
  /** Write calls answered, whatever the answer. */
  writes: number;
  /** Write calls refused with a 429. */
  rateLimited: number;
  /** Company records it holds now (what a destination push creates). */
  companies: number;
}

/**
 * The module a definition's `simulator` loader resolves to: `src/integrations/<name>/simulator/index.ts`
 * exports `startSimulator` (besides whatever else its tests use).
 *
 * @example
 * export async function startSimulator(opts: SimulatorStartOptions): Promise<StartedSimulator<AcmeSimulator>> {
 *   const server = await startAcmeSimulator(opts);
 *   return {
 *     summary: { url: server.url, apiKey: server.apiKey },
 *     connection: { credentials: { apiKey: server.apiKey }, settings: { baseUrl: server.url } },
 *     server,
 *     setKnobs: (knobs) => server.setKnobs(knobs),
 *     close: () => server.close(),
 *   };
 * }
 */
export interface SimulatorModule {
  startSimulator(options: SimulatorStartOptions): Promise<StartedSimulator>;
}

/** The definition's field: a lazy import of the simulator module. */
export type SimulatorLoader = () => Promise<SimulatorModule>;
