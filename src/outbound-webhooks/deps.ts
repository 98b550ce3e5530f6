import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/crypto.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/index.js';
import type { JobRunner } from '../jobs/index.js';

/** What outbound webhooks need from the runtime (a Runtime satisfies it). */
export interface WebhookDeps {
  db: Db;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'BETON_ALLOW_PRIVATE_HOSTS'>;
  jobs: JobRunner;
}
