import type { StartupStep } from './startup.js';

/**
 * The background worker of `beton serve`: starts the job runner, resumes runs left queued by a
 * previous process, and checks every minute which connections are due for their scheduled sync
 * (BETON_SYNC_INTERVAL_MINUTES) and which segments' CRM lists are due to follow their segment.
 * Skipped under `--no-worker` / BETON_WORKER=false; `beton worker` runs it without the HTTP server.
 */
export const jobWorkerStep: StartupStep = {
  name: 'job worker',
  enabled: (_rt, options) => options.worker,
  inWorker: true,
  async run(rt) {
    const { resumeQueuedRuns, startDueSyncs, SYNC_SCHEDULE_JOB, SEGMENT_LISTS_CHECK_JOB } = await import(
      '../jobs/index.js'
    );
    await rt.jobs.schedule(SYNC_SCHEDULE_JOB, { everyMinutes: 1 });
    await rt.jobs.schedule(SEGMENT_LISTS_CHECK_JOB, { everyMinutes: 1 });
    const { ALERTS_TICK_JOB } = await import('../alerts/index.js');
    await rt.jobs.schedule(ALERTS_TICK_JOB, { everyMinutes: 1 });
    const { WEBHOOK_DISPATCH_JOB, dispatchOnOutboxCommit } = await import('../outbound-webhooks/index.js');
    await rt.jobs.schedule(WEBHOOK_DISPATCH_JOB, { everyMinutes: 1 });
    await rt.jobs.start();
    // Events reach webhooks as their transaction commits; the minute's dispatch is the safety net.
    const stopDispatching = await dispatchOnOutboxCommit(rt);
    const resumed = await resumeQueuedRuns(rt, rt.jobs);
    const started = await startDueSyncs(rt, rt.jobs, {
      intervalMinutes: rt.config.BETON_SYNC_INTERVAL_MINUTES,
    });
    rt.logger.info({ resumed, started: started.length }, 'job worker started');
    return async () => {
      await stopDispatching();
      await rt.jobs.stop({ graceMs: 30_000 });
    };
  },
};
