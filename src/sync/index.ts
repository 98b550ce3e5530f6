/**
 * The sync engine and what it stores: records (read them with `listRecords`), stream state, runs,
 * rejects. Downstream code reads records only through these functions, workspace id first.
 */
export { RepeatingCursorError } from '../integrations/index.js';
export { DEFAULT_LEASE_MS, executeRun, type SyncOptions, type SyncProgress } from './engine.js';
export {
  allRecords,
  countRecords,
  getRecord,
  listRecords,
  payloadHash,
  type Queryable,
  type RecordQuery,
  type StoredRecord,
  upsertRecord,
} from './records.js';
export {
  ACTIVE_STATUSES,
  createRun,
  expireStaleRuns,
  getRun,
  listRejects,
  listRuns,
  type NewRun,
  type RunCounts,
  type RunFilter,
  type RunWarning,
  requestCancel,
  type StreamRunSummary,
  type SyncReject,
  type SyncRun,
  type SyncRunStatus,
  type SyncTrigger,
} from './runs.js';
export { type StartSyncInput, startSync } from './start.js';
export { listStreamStates, readStreamState, type StreamStateRow } from './state.js';
export {
  acceptWebhook,
  listWebhookRejects,
  type WebhookDelivery,
  type WebhookOutcome,
  type WebhookReject,
} from './webhooks.js';
