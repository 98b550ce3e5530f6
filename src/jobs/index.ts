/** Job runners (in-process on SQLite, pg-boss on Postgres, behind one interface) and the jobs Beton runs. */
export { createJobRunner, type JobRunnerTuning } from './create.js';
export { InProcessJobRunner } from './in-process.js';
export { PgBossJobRunner, type PgBossRunnerOptions, pgBossSchema } from './pg-boss.js';
export {
  enqueueAfterSync,
  PIPELINE_JOB,
  type PipelinePayload,
  type PipelineResult,
  type PipelineStage,
  registerPipelineJobs,
  runPipeline,
} from './pipeline.js';
export {
  ENRICH_RUN_JOB,
  type EnrichRunPayload,
  enqueueEnrich,
  enqueuePush,
  enqueueRollback,
  PUSH_RUN_JOB,
  type PushRunPayload,
  type RunJobOptions,
  registerRunJobs,
  resumeOpenRuns,
} from './run-jobs.js';
export {
  connectionJobKey,
  type EnqueueOptions,
  type HandlerOptions,
  type JobContext,
  type JobHandler,
  type JobRunner,
} from './runner.js';
export {
  enqueueScore,
  registerScoreJobs,
  SCORE_RUN_JOB,
  type ScoreRunPayload,
} from './score.js';
export {
  enqueueDueListSyncs,
  registerSegmentListJobs,
  SEGMENT_LIST_SYNC_JOB,
  SEGMENT_LISTS_CHECK_JOB,
  type SegmentListSyncPayload,
} from './segment-lists.js';
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
