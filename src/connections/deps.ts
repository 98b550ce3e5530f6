import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Keyring } from '../core/crypto.js';
import type { RetryPolicy } from '../core/http/index.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/index.js';

/** What the connection and sync services need; the runtime satisfies it. */
export interface ConnectionDeps {
  db: Db;
  keyring: Keyring;
  logger: Logger;
  clock: Clock;
  /** `BETON_WORKSPACE` binds `BETON_<NAME>_<FIELD>` credentials to one workspace (see env.ts). */
  config: Pick<Config, 'BETON_ALLOW_PRIVATE_HOSTS'> & Partial<Pick<Config, 'BETON_WORKSPACE'>>;
  integrations: IntegrationRegistry;
  /** Read for `BETON_<NAME>_<FIELD>` overrides; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Retry and timeout overrides for outbound calls (tests use small caps). */
  httpOptions?: { retry?: Partial<RetryPolicy>; timeoutMs?: number };
}
