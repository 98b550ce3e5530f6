import type { Command } from 'commander';
import { type ServeOptions, startupSteps } from '../startup.js';
import { exitIfShutdownHangs, withRuntime } from '../support.js';

/**
 * `beton serve`: migrate, run the start-up steps (worker, demo), serve the API and web app on
 * HOST:PORT until SIGINT/SIGTERM, then shut down in order.
 */
export function registerServe(program: Command) {
  program
    .command('serve')
    .description('Run the server (API, web app and, unless --no-worker, background jobs)')
    .option('--no-worker', 'do not run background jobs in this process')
    .action((opts: { worker: boolean }) =>
      withRuntime(
        async (rt) => {
          const options: ServeOptions = { worker: opts.worker && rt.config.BETON_WORKER };
          const { envCredentialsWarning } = await import('../../connections/index.js');
          const unbound = envCredentialsWarning(rt.integrations.list(), process.env, rt.config);
          if (unbound) rt.logger.warn(unbound);
          const stops: (() => Promise<void>)[] = [];
          for (const step of startupSteps) {
            if (step.enabled && !step.enabled(rt, options)) continue;
            const stop = await step.run(rt, options);
            if (stop) stops.push(stop);
          }
          if (!options.worker) {
            // Jobs this server enqueues wait for `beton worker` (pg-boss on Postgres; on SQLite, the
            // worker's once-a-minute schedule picks up the queued runs).
            rt.logger.info({ jobs: rt.jobs.kind }, 'no job worker in this process: run `beton worker`');
          }
          const { buildApp } = await import('../../api/index.js');
          const app = await buildApp(rt);
          await app.listen({ host: rt.config.HOST, port: rt.config.PORT });
          const address = app.server.address();
          const port = typeof address === 'object' && address ? address.port : rt.config.PORT;
          const host = rt.config.HOST === '0.0.0.0' || rt.config.HOST === '::' ? 'localhost' : rt.config.HOST;
          const url =
            rt.config.BETON_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
          process.stdout.write(`Beton is running at ${url}  (API docs: ${url}/docs)\n`);

          let stopping = false;
          const shutdown = async (signal: string) => {
            if (stopping) return;
            stopping = true;
            rt.logger.info({ signal }, 'shutting down');
            exitIfShutdownHangs(rt.logger);
            try {
              await app.close();
              for (const stop of stops.reverse()) await stop();
            } finally {
              await rt.close();
              process.exit(0);
            }
          };
          process.once('SIGINT', () => void shutdown('SIGINT'));
          process.once('SIGTERM', () => void shutdown('SIGTERM'));
        },
        { keepOpen: true, server: true },
      ).then(() => {
        // A failed start leaves nothing listening: make sure the process ends.
        if (process.exitCode) process.exit(process.exitCode);
      }),
    );
}
