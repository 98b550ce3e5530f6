import type { Command } from 'commander';
import { CliError, reportError } from '../support.js';

interface SimulateOptions {
  seed: string;
  companies: string;
  latency: string;
  rateLimits: boolean;
  errorRate: string;
  timeoutRate: string;
  malformedRate: string;
  truncatedRate: string;
  repeatNext?: boolean;
  json?: boolean;
}

function number(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new CliError(`${flag} must be a number between ${min} and ${max}, got "${value}".`);
  }
  return n;
}

/**
 * `beton simulate`: start the simulator of every registered integration that declares one, over one
 * synthetic world, and keep them running until Ctrl-C. Prints each base URL with the credentials it
 * accepts; with `--json`, one object with one key per integration, e.g.
 * `{"acme":{"url":"http://127.0.0.1:49321","apiKey":"…"}}`.
 */
export function registerSimulate(program: Command) {
  program
    .command('simulate')
    .description("Run every integration's local simulator over a synthetic SaaS world until interrupted")
    .option('--seed <seed>', 'seed of the world (same seed, same world)', 'beton')
    .option('--companies <n>', 'companies in the world', '300')
    .option('--latency <ms>', 'milliseconds added to every answer', '0')
    .option('--no-rate-limits', "do not enforce the services' rate limits")
    .option('--error-rate <r>', 'share of requests answered with a 5xx (0–1)', '0')
    .option('--timeout-rate <r>', 'share of requests that hang until the client gives up (0–1)', '0')
    .option('--malformed-rate <r>', 'share of answers whose body is not valid JSON (0–1)', '0')
    .option('--truncated-rate <r>', 'share of answers cut off mid-body (0–1)', '0')
    .option('--repeat-next', 'list endpoints hand out a next link pointing at the same page')
    .option('--json', 'print the base URLs and credentials as one JSON object')
    .action(async (opts: SimulateOptions) => {
      try {
        const companies = number(opts.companies, '--companies', 1, 200_000);
        if (!Number.isInteger(companies)) throw new CliError('--companies must be a whole number.');
        const knobs = {
          latencyMs: number(opts.latency, '--latency', 0, 600_000),
          rateLimits: opts.rateLimits,
          errorRate: number(opts.errorRate, '--error-rate', 0, 1),
          timeoutRate: number(opts.timeoutRate, '--timeout-rate', 0, 1),
          malformedRate: number(opts.malformedRate, '--malformed-rate', 0, 1),
          truncatedRate: number(opts.truncatedRate, '--truncated-rate', 0, 1),
          repeatNext: opts.repeatNext === true,
        };
        const { startSimulators } = await import('../../simulators/index.js');
        const sims = await startSimulators({ seed: opts.seed, companies, knobs });
        const creds = sims.credentials();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(creds)}\n`);
        } else {
          const width = Math.max(0, ...Object.keys(creds).map((name) => name.length)) + 2;
          const lines = [
            `Simulators over ${companies} companies (seed "${opts.seed}", now ${sims.dataset.now}):`,
            ...Object.entries(creds).map(([name, { url, ...rest }]) =>
              [`  ${name.padEnd(width)}${url}`, ...Object.entries(rest).map(([k, v]) => `${k}=${v}`)].join(
                '  ',
              ),
            ),
            "Use each URL as the integration's baseUrl setting (with BETON_ALLOW_PRIVATE_HOSTS=true). Ctrl-C stops them.",
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        }
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await sims.close();
      } catch (error) {
        reportError(error);
      }
    });
}
