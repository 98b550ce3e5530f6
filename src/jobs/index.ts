/** Job runners (in-process now; pg-boss behind the same interface) and the jobs Beton runs. */
export { InProcessJobRunner } from './in-process.js';
export type { EnqueueOptions, HandlerOptions, JobContext, JobHandler, JobRunner } from './runner.js';
export {
  enqueueSync,
  registerSyncJobs,
  resumeQueuedRuns,
  SYNC_RUN_JOB,
  SYNC_SCHEDULE_JOB,
  type SyncJobOptions,
  type SyncRunPayload,
  startDueSyncs,
} from './sync-jobs.js';
