import { type DestinationStream, type Logger, pino } from 'pino';
import { scrub, scrubString } from './redact.js';

export type { Logger };

/**
 * The process logger: pino, JSON lines, with every object and message scrubbed of secrets by field
 * name and by key shape before it is written.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 * log.info({ apiKey: 'sk_test_abc123' }, 'connected'); // → {"apiKey":"[redacted]",...}
 */
export function createLogger(
  opts: { level?: string; destination?: DestinationStream; name?: string } = {},
): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      name: opts.name ?? 'beton',
      base: undefined,
      formatters: { log: (object) => scrub(object) },
      serializers: { err: (e: unknown) => scrub(e), error: (e: unknown) => scrub(e) },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    opts.destination,
  );
}
