import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/** `BETON_TRUSTED_PROXIES`: a hop count, or addresses / CIDRs / proxy-addr's named ranges. */
function isTrustedProxies(value: string): boolean {
  if (/^\d{1,2}$/.test(value)) return true;
  return value.split(',').every((entry) => {
    const [address, bits, extra] = entry.trim().split('/');
    if (extra !== undefined || !address) return false;
    if (['loopback', 'linklocal', 'uniquelocal'].includes(address)) return bits === undefined;
    const family = isIP(address);
    if (family === 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
  });
}

/**
 * Fastify's `trustProxy` for the configured proxies: a hop count, or the list of addresses whose
 * `X-Forwarded-*` headers are believed. Unset: loopback only when `BETON_PUBLIC_URL` is set (a
 * proxy on the same host), nothing otherwise — never every hop, which would let a client choose
 * its own address by sending `X-Forwarded-For`.
 *
 * @example
 * trustProxyOf({ BETON_TRUSTED_PROXIES: '10.0.0.0/8,10.1.2.3' }); // ['10.0.0.0/8', '10.1.2.3']
 */
export function trustProxyOf(config: Pick<RawConfig, 'BETON_TRUSTED_PROXIES' | 'BETON_PUBLIC_URL'>) {
  const value = config.BETON_TRUSTED_PROXIES;
  if (value === undefined) return config.BETON_PUBLIC_URL ? ['loopback'] : false;
  if (/^\d+$/.test(value)) {
    // Trust the first N hops from the socket; the N+1-th address is the client's.
    const hops = Number(value);
    return hops === 0 ? false : (_address: string, hop: number) => hop < hops;
  }
  return value.split(',').map((e) => e.trim());
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every setting Beton reads from the environment, in one place. Documented in the README's
 * configuration table; `loadConfig()` is called once at start-up and the result passed down.
 */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  BETON_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres|postgresql|sqlite):\/\//, 'a postgres:// URL, or sqlite://PATH')
    .optional(),
  BETON_ENCRYPTION_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+(,[A-Za-z0-9_-]+:[A-Za-z0-9+/=]+)*$/,
      'id:base64key[,id:base64key…]',
    )
    .optional(),
  BETON_PUBLIC_URL: z.string().url('a URL such as https://beton.example.com').optional(),
  BETON_AUTH_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  BETON_SIGNUP: z.enum(['open', 'closed'], 'open or closed').optional(),
  BETON_TRUSTED_PROXIES: z
    .string()
    .refine(isTrustedProxies, 'a hop count (0, 1, 2…) or a comma list of addresses, CIDRs or loopback')
    .optional(),
  BETON_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'an smtp:// or smtps:// URL such as smtps://user:pass@mail.example.com:465')
    .optional(),
  BETON_MAIL_FROM: z.string().min(3).max(254).optional(),
  BETON_ALLOW_PRIVATE_HOSTS: bool.default(false),
  BETON_DEMO: bool.default(true),
  BETON_WORKSPACE: z.string().min(1).optional(),
  BETON_WORKER: bool.default(true),
  BETON_BODY_LIMIT: z.coerce.number().int().min(1024).default(1_048_576),
  BETON_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(1).default(60),
  BETON_MCP_WRITES: bool.default(false),
  BETON_MCP_RATE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(120),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  /** Absolute data directory. */
  dataDir: string;
  /** Resolved database target. */
  database: { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose value is a secret (or may hold one): a message names them, never shows them. */
const SECRET_VARIABLES = new Set(['BETON_ENCRYPTION_KEYS', 'BETON_AUTH_SECRET']);

/**
 * How a bad value appears in a start-up error: as typed for ordinary settings (so a typo is easy to
 * spot), only its length for secrets, and a database URL with its password masked — these lines
 * land in terminals, CI logs and support tickets.
 */
function shownValue(name: string, value: string): string {
  if (SECRET_VARIABLES.has(name)) return `(hidden, ${value.length} characters)`;
  if (name === 'DATABASE_URL' || name === 'BETON_SMTP_URL') return JSON.stringify(maskUrlPassword(value));
  return JSON.stringify(value);
}

/**
 * The secret values configured in `env` (the session secret, each encryption key, the database
 * password), for scrubbing them out of any start-up message whatever library wrote it.
 *
 * @example
 * configuredSecrets({ BETON_AUTH_SECRET: 'x'.repeat(40) }); // ['xxxx…']
 */
export function configuredSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.BETON_AUTH_SECRET) out.push(env.BETON_AUTH_SECRET);
  for (const part of (env.BETON_ENCRYPTION_KEYS ?? '').split(',')) {
    const trimmed = part.trim();
    if (trimmed) out.push(trimmed, ...trimmed.split(':').slice(1));
  }
  for (const url of [env.DATABASE_URL ?? '', env.BETON_SMTP_URL ?? '']) {
    const masked = maskUrlPassword(url);
    if (masked !== url) out.push(url.slice(masked.indexOf('***'), url.lastIndexOf('@')));
  }
  // Longest first, so a whole key is replaced before a part of it; short values are not secrets.
  return out.filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
}

/**
 * A connection URL with the password replaced by `***`, even when the URL is malformed (the
 * likely case when it is being reported): everything between the user name and the last `@`.
 *
 * @example
 * maskUrlPassword('postgres://beton:s3cret@db:5432/beton'); // 'postgres://beton:***@db:5432/beton'
 */
export function maskUrlPassword(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const slashes = value.indexOf('//');
  const userStart = slashes >= 0 && slashes < at ? slashes + 2 : 0;
  const colon = value.indexOf(':', userStart);
  if (colon < 0 || colon > at) return value;
  return `${value.slice(0, colon + 1)}***${value.slice(at)}`;
}

/**
 * Parse the environment once. A bad value stops start-up with one line naming the variable.
 *
 * @example
 * const config = loadConfig(process.env);
 * config.database.dialect; // 'sqlite' unless DATABASE_URL is postgres://
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(
      `Invalid ${name}=${shownValue(name, input[name] ?? '')}: expected ${issue.message}`,
    );
  }
  const raw = parsed.data;
  const dataDir = path.resolve(raw.BETON_DATA_DIR);
  let database: Config['database'];
  if (raw.DATABASE_URL?.startsWith('postgres')) {
    database = { dialect: 'postgres', url: raw.DATABASE_URL };
  } else if (raw.DATABASE_URL?.startsWith('sqlite://')) {
    database = { dialect: 'sqlite', file: path.resolve(raw.DATABASE_URL.slice('sqlite://'.length)) };
  } else {
    database = { dialect: 'sqlite', file: path.join(dataDir, 'beton.sqlite') };
  }
  return { ...raw, dataDir, database };
}
