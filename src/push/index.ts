/**
 * The push pipeline: Beton's scores onto CRM records, safely. Mapping with per-field policies,
 * a plan diffed against the last successful write, apply under the destination's write budget,
 * rejects retried next run, run history and rollback. Destinations are the integrations that declare the `destination` capability.
 */
export type { PushDestination, RecordWrite } from './destination.js';
export { DEFAULT_MAPPING, desiredValues, type MappingOverrides, resolveMapping } from './mapping.js';
export {
  applyPushPlan,
  applyRollback,
  buildPushPlan,
  openPushRun,
  openRollbackRun,
  type PushDeps,
  type PushProgress,
} from './pipeline.js';
export { recordKey, valuesHash } from './plan.js';
export type { PushRun, PushRunItem, RunKind, RunStatus } from './repository.js';
export { orphanedRuns as orphanedPushRuns } from './repository.js';
export {
  closeUnqueuedPush,
  type ExecuteRequest,
  executePushRun,
  getPushRun,
  listPushRejects,
  listPushRuns,
  openPush,
  openRollback,
  PUSH_DESTINATIONS,
  type PushRequest,
  type PushServiceDeps,
  planPush,
  type StartedRun,
  startPush,
  startRollback,
  withScoresSource,
} from './service.js';
export { scoresPushSource, signalPriority } from './source.js';
export type * from './types.js';
