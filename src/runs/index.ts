/**
 * Runs: the one lease every run kind (sync, push, enrichment, score) is held by — claim,
 * heartbeat, release, orphan recovery, one stale threshold.
 */
export {
  beatRun,
  claimRun,
  enrichmentRunLease,
  type Heartbeat,
  keepBeating,
  type LeasedTable,
  leaseExpired,
  orphanedRuns,
  pushRunLease,
  QUEUED_RUN_MS,
  type QueuedMarker,
  RUN_HEARTBEAT_MS,
  RUN_STALE_MS,
  type RunLease,
  releaseRun,
  scoreRunLease,
  staleBefore,
  syncRunLease,
} from './lease.js';
