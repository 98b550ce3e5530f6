/**
 * Errors of the SQL source, each saying what to change. They are AppErrors, so a connect answers them
 * as they are (400 with the reason; 502 when the database cannot be reached) and a sync run records
 * their message. Postgres's own messages are kept (they name the column or relation at fault), the
 * connection's password never: pg's errors do not carry it, and `scrub` removes it if one ever did.
 */
import { AppError } from '../../core/errors.js';

/** The query, or what it returned, does not fit the contract: 400 `invalid_settings`. */
export class SqlQueryError extends AppError {
  override name = 'SqlQueryError';
  constructor(message: string) {
    super(400, 'invalid_settings', message);
  }
}

/** The database refused the role or password: 400 `invalid_credentials`. */
export class SqlAuthError extends AppError {
  override name = 'SqlAuthError';
  constructor(message: string) {
    super(400, 'invalid_credentials', message);
  }
}

/** The database could not be reached or failed on its side: 502 `upstream_unavailable`. */
export class SqlUnavailableError extends AppError {
  override name = 'SqlUnavailableError';
  constructor(message: string) {
    super(502, 'upstream_unavailable', message);
  }
}

interface PgErrorLike {
  code?: string;
  message?: string;
  position?: string;
  hint?: string;
}

const clause = (text: string) => text.trim().replace(/[.\s]+$/u, '');

/**
 * A driver or server error as one of the errors above. `what` names the query ("The usage query");
 * `timeoutSeconds` is the statement timeout it ran under; `secret` is removed from any text.
 */
export function describePgError(
  error: unknown,
  ctx: { what: string; timeoutSeconds: number; secret: string | null; target: string },
): AppError {
  if (error instanceof AppError) return error;
  const e = (error ?? {}) as PgErrorLike;
  const scrub = (text: string) => (ctx.secret ? text.split(ctx.secret).join('[redacted]') : text);
  const message = scrub(clause(e.message ?? String(error)));
  const at = e.position ? ` (at character ${e.position})` : '';
  const hint = e.hint ? ` Hint: ${scrub(clause(e.hint))}.` : '';
  switch (e.code) {
    case '57014':
      return new SqlQueryError(
        `${ctx.what} ran longer than the ${ctx.timeoutSeconds} s statement timeout and was stopped. Make it cheaper (an index on the day column, a narrower lookback) or raise statementTimeoutSeconds.`,
      );
    case '25006':
      return new SqlQueryError(
        `${ctx.what} tried to write (${message}); Beton runs it in a read-only transaction. Give a plain SELECT.`,
      );
    case '28P01':
    case '28000':
      return new SqlAuthError(
        `Postgres at ${ctx.target} refused the login: ${message}. Check the user and password in the connection string.`,
      );
    case '3D000':
      return new SqlAuthError(
        `Postgres at ${ctx.target}: ${message}. Check the database name in the connection string.`,
      );
    case '42501':
      return new SqlQueryError(
        `${ctx.what} was refused: ${message}. Grant the read-only role SELECT on what the query reads (docs/integrations/postgres.md).`,
      );
    case '08P01':
      return new SqlQueryError(`${ctx.what} does not fit its parameters: ${message}.`);
  }
  if (e.code && /^(42|22|0A|21|2B)/.test(e.code)) {
    return new SqlQueryError(`${ctx.what} failed in Postgres: ${message}${at}.${hint}`);
  }
  const network = (error as { code?: string } | null)?.code;
  if (typeof network === 'string' && /^E[A-Z]+$/.test(network)) {
    return new SqlUnavailableError(
      `Could not reach Postgres at ${ctx.target} (${network}): check the host and port, and that the database accepts connections from Beton.`,
    );
  }
  if (/does not support SSL/i.test(message)) {
    return new SqlUnavailableError(
      `Postgres at ${ctx.target} does not accept TLS connections. Enable SSL on the server, or use sslmode=disable in the connection string if the network between Beton and the database is trusted.`,
    );
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message)) {
    return new SqlUnavailableError(
      `Postgres at ${ctx.target}: ${message}. Use sslmode=require in the connection string to encrypt without verifying the certificate, or sslmode=disable on a trusted network.`,
    );
  }
  return new SqlUnavailableError(`Postgres at ${ctx.target} failed: ${message}. Try again.`);
}
