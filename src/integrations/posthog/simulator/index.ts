/** The PostHog simulator: `startPostHogSimulator({ dataset })`. */
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
