import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError } from '../core/config.js';

export const authSecretPath = (dataDir: string) => path.join(dataDir, 'auth.secret');

/**
 * The secret better-auth signs session cookies with: `BETON_AUTH_SECRET`, else a random secret
 * generated once into the data directory (mode 0600). It must survive restarts, or every
 * session would be signed out.
 *
 * @example
 * const secret = loadAuthSecret(config); // 64 hex chars from ./data/auth.secret on first run
 */
export function loadAuthSecret(config: Pick<Config, 'BETON_AUTH_SECRET' | 'dataDir'>): string {
  if (config.BETON_AUTH_SECRET) return config.BETON_AUTH_SECRET;
  const file = authSecretPath(config.dataDir);
  if (fs.existsSync(file)) return readSecretFile(file);
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('hex');
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    // Another process (CLI and server starting together) created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readSecretFile(file);
    throw e;
  }
  return secret;
}

/** The secret in `file`, refused (by name and length, never by content) when too short to sign with. */
function readSecretFile(file: string): string {
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (secret.length < 32) {
    throw new ConfigError(
      `The session secret file ${file} holds ${secret.length} characters; it needs at least 32. Delete it to have a new one generated (everyone signs in again), or set BETON_AUTH_SECRET.`,
    );
  }
  return secret;
}
