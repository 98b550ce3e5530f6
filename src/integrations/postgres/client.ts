/**
 * The only code that speaks to the user's Postgres. Every query runs in its own short connection,
 * inside `BEGIN READ ONLY` (the real guard: a write hidden anywhere in the statement is refused by
 * Postgres), with `statement_timeout` set for the transaction, the session time zone set to UTC (so a
 * timestamp's day is its UTC day), the user's query wrapped as a subquery under a LIMIT of the row cap
 * plus one (more rows than the cap is an error, not a silent cut), and its values passed as bound
 * parameters, never spliced into the text. Before connecting, the host goes through the same SSRF
 * guard as any URL a user gives.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import pg from 'pg';
import { describePgError, SqlAuthError, SqlQueryError, SqlUnavailableError } from './errors.js';
import type { SqlAnswer } from './types.js';

/** Where to connect, parsed from the connection string. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | null;
  sslmode: 'disable' | 'require' | 'verify-full';
}

const SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/**
 * Parse `postgres://user:password@host:5432/database?sslmode=require`. Throws SqlAuthError saying
 * what is missing (the message never repeats the password).
 *
 * @example parseConnectionString('postgres://reader:pw@db.example.com/app').port // 5432
 */
export function parseConnectionString(text: string): PostgresTarget {
  const shape = 'postgres://user:password@host:5432/database (add ?sslmode=require or disable if needed)';
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new SqlAuthError(`The connection string is not a URL: give ${shape}.`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new SqlAuthError(`The connection string must start with postgres://: give ${shape}.`);
  }
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const database = decode(url.pathname.replace(/^\//, ''));
  const user = decode(url.username);
  if (!host) throw new SqlAuthError(`The connection string names no host: give ${shape}.`);
  if (!user) throw new SqlAuthError(`The connection string names no user: give ${shape}.`);
  if (!database || database.includes('/')) {
    throw new SqlAuthError(`The connection string names no database: give ${shape}.`);
  }
  const port = url.port ? Number(url.port) : 5432;
  const known = new Set(['sslmode']);
  const unknown = [...url.searchParams.keys()].filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new SqlAuthError(
      `The connection string has options Beton does not use (${unknown.join(', ')}); only sslmode is read.`,
    );
  }
  const sslmode = (url.searchParams.get('sslmode') ?? 'verify-full') as PostgresTarget['sslmode'];
  if (!SSL_MODES.includes(sslmode)) {
    throw new SqlAuthError(`sslmode must be one of ${SSL_MODES.join(', ')} (got "${sslmode}").`);
  }
  return { host, port, database, user, password: url.password ? decode(url.password) : null, sslmode };
}

export interface PostgresSourceOptions {
  target: PostgresTarget;
  /** The SSRF guard (ctx.assertSafeHost), checked before every connection. */
  assertSafeHost(host: string, port: number, scheme: string): Promise<void>;
  statementTimeoutSeconds: number;
  rowCap: number;
}

/** Every value as Postgres's text form: dates stay `YYYY-MM-DD`, bigints keep their digits. */
const asText = { getTypeParser: () => (value: string) => value };

/**
 * Runs the user's queries read-only against their database.
 *
 * @example
 * const source = new PostgresSource({ target, assertSafeHost, statementTimeoutSeconds: 30, rowCap: 100_000 });
 * const answer = await source.select('The usage query', 'select … where day >= $1', ['2025-06-01']);
 */
export class PostgresSource {
  constructor(readonly options: PostgresSourceOptions) {}

  /** `user@host:port/database`: how the connection is shown (never with its password). */
  get label(): string {
    const { user, host, port, database } = this.options.target;
    return `${user}@${host.includes(':') ? `[${host}]` : host}:${port}/${database}`;
  }

  /**
   * The address to connect to: the host passes the SSRF guard (every address it resolves to), then
   * the connection goes to the very address checked, so a DNS answer that changes in between
   * (rebinding) cannot send it elsewhere. TLS still verifies the certificate against the host name.
   */
  private async checkedAddress(): Promise<string> {
    const { host, port } = this.options.target;
    await this.options.assertSafeHost(host, port, 'postgres');
    if (isIP(host)) return host;
    let address: string;
    try {
      address = (await lookup(host)).address;
    } catch {
      throw new SqlUnavailableError(
        `The database host ${host} does not resolve; check the connection string.`,
      );
    }
    await this.options.assertSafeHost(address, port, 'postgres');
    return address;
  }

  /**
   * Run `sql` (already checked by checkSelect) with `values` bound to $1…, read-only, under the
   * statement timeout: every row up to the row cap (more is an error), or the first `preview` rows.
   */
  async select(
    what: string,
    sql: string,
    values: readonly string[],
    opts: { preview?: number; signal?: AbortSignal } = {},
  ): Promise<SqlAnswer> {
    const { target, statementTimeoutSeconds, rowCap } = this.options;
    // A preview reads its first rows; a read reads one more than the cap, to know it was exceeded.
    const limit = opts.preview ?? Math.floor(rowCap) + 1;
    const fail = (error: unknown) =>
      describePgError(error, {
        what,
        timeoutSeconds: statementTimeoutSeconds,
        secret: target.password,
        target: this.label,
      });
    const address = await this.checkedAddress();
    opts.signal?.throwIfAborted();
    const client = new pg.Client({
      host: address,
      port: target.port,
      database: target.database,
      user: target.user,
      ...(target.password !== null ? { password: target.password } : {}),
      // The host name for SNI (providers route by it) and, with verify-full, for the certificate.
      ssl:
        target.sslmode === 'disable'
          ? false
          : {
              rejectUnauthorized: target.sslmode === 'verify-full',
              ...(isIP(target.host) ? {} : { servername: target.host }),
            },
      application_name: 'beton',
      connectionTimeoutMillis: 10_000,
      // A backstop on Beton's side should the server ignore its own timeout.
      query_timeout: statementTimeoutSeconds * 1000 + 10_000,
    });
    // The query is dropped with the connection when the run is canceled.
    const onAbort = () => void client.end().catch(() => {});
    client.on('error', () => {});
    try {
      await client.connect();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      await client.query('BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ');
      await client.query(
        "SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $1, true), set_config('TimeZone', 'UTC', true)",
        [`${statementTimeoutSeconds}s`],
      );
      // A newline before ")" so a trailing line comment in the user's text cannot swallow it.
      const result = await client.query({
        text: `SELECT * FROM (\n${sql}\n) AS beton_query LIMIT ${limit}`,
        values: [...values],
        rowMode: 'array',
        types: asText,
      });
      await client.query('ROLLBACK');
      if (opts.preview === undefined && result.rows.length > rowCap) {
        throw new SqlQueryError(
          `${what} returned more than ${rowCap.toLocaleString('en-US')} rows, the row cap: nothing was stored. Aggregate more (one row per account, day and event), shorten the lookback, or raise rowCap.`,
        );
      }
      return {
        columns: result.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID })),
        rows: result.rows as (string | null)[][],
      };
    } catch (error) {
      opts.signal?.throwIfAborted();
      throw fail(error);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await client.end().catch(() => {});
    }
  }
}
