import type { Runtime } from '../runtime/index.js';
import { demoStep } from './demo-step.js';
import { jobWorkerStep } from './worker-step.js';

/**
 * Steps `beton serve` runs after the runtime is ready and before it listens, in order — the
 * place for the job worker, the demo workspace and anything else a running server starts. A step
 * may return a function that stops what it started; those run in reverse order on shutdown.
 *
 * @example
 * // later parts add one entry each:
 * startupSteps.push({
 *   name: 'demo workspace',
 *   enabled: (rt) => rt.config.BETON_DEMO,
 *   run: (rt) => seedDemo(rt),
 * });
 */
export interface StartupStep {
  name: string;
  /** Whether to run it (default: always). `options.worker` is false under `serve --no-worker`. */
  enabled?: (rt: Runtime, options: ServeOptions) => boolean;
  /** Also run by `beton worker` (jobs without HTTP): the job runner and its schedules, not the demo. */
  inWorker?: boolean;
  run: (rt: Runtime, options: ServeOptions) => Promise<void | (() => Promise<void>)>;
}

export interface ServeOptions {
  /** Run background jobs in this process (BETON_WORKER and not --no-worker). */
  worker: boolean;
}

export const startupSteps: StartupStep[] = [jobWorkerStep, demoStep];
