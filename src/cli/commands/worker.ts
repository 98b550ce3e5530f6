import type { Command } from 'commander';
import type { Runtime } from '../../runtime/index.js';
import { type ServeOptions, startupSteps } from '../startup.js';
import { exitIfShutdownHangs, withRuntime } from '../support.js';

/**
 * Start what `beton worker` runs: every start-up step marked `inWorker` (the job runner, the
 * schedules, resuming runs), without the HTTP server. Answers the function that stops them, in
 * reverse order: running jobs get their grace period (a sync commits its current page) and go back
 * to the queue.
 *
 * @example
 * const stop = await startWorker(rt);
 * process.once('SIGTERM', () => void stop().then(() => rt.close()));
 */
export async function startWorker(rt: Runtime): Promise<() => Promise<void>> {
  const options: ServeOptions = { worker: true };
  const stops: (() => Promise<void>)[] = [];
  try {
    for (const step of startupSteps) {
      if (!step.inWorker || (step.enabled && !step.enabled(rt, options))) continue;
      const stop = await step.run(rt, options);
      if (stop) stops.push(stop);
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}

/**
 * `beton worker`: run background jobs (sync, enrich, score, push and their schedules) with no HTTP
 * server, until SIGINT/SIGTERM. On Postgres, run as many as you like beside `beton serve
 * --no-worker`: they share one pg-boss queue. On SQLite the job queue lives in one process, so run
 * `beton serve` alone instead (see docs/deploying.md).
 */
export function registerWorker(program: Command) {
  program
    .command('worker')
    .description('Run background jobs only (no HTTP server); on Postgres, as many as you like')
    .action(() =>
      withRuntime(
        async (rt) => {
          if (rt.jobs.kind === 'in-process') {
            rt.logger.warn(
              'SQLite: jobs enqueued by another process reach this worker only through its once-a-minute schedule; run `beton serve` alone, or use Postgres',
            );
          }
          const stop = await startWorker(rt);
          rt.logger.info({ jobs: rt.jobs.kind, pid: process.pid }, 'worker running');
          // The runners' timers are unref'd so one-shot commands can exit; a worker must not.
          const keepAlive = setInterval(() => undefined, 60_000);
          let stopping = false;
          const shutdown = async (signal: string) => {
            if (stopping) return;
            stopping = true;
            clearInterval(keepAlive);
            rt.logger.info({ signal }, 'worker stopping: finishing current pages');
            exitIfShutdownHangs(rt.logger);
            try {
              await stop();
            } finally {
              await rt.close();
              rt.logger.info('worker stopped');
              rt.logger.flush(() => process.exit(0));
            }
          };
          process.once('SIGINT', () => void shutdown('SIGINT'));
          process.once('SIGTERM', () => void shutdown('SIGTERM'));
        },
        { keepOpen: true, server: true },
      ).then(() => {
        // A failed start leaves nothing running: make sure the process ends.
        if (process.exitCode) process.exit(process.exitCode);
      }),
    );
}
