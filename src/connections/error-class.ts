import { type Role, roleAtLeast } from '../auth/roles.js';

/**
 * What a member or viewer sees of a service's failure: its class, not its words. The message an
 * upstream sent back is scrubbed of secrets, but it is still the service's text — it may quote the
 * request, an account, an internal page — so only admins (who can fix the key anyway) read it.
 */

/** The roles that read a service's own error messages. */
export const canReadUpstreamErrors = (role: Role) => roleAtLeast(role, 'admin');

const SEE_DETAILS = 'An admin can see the details.';

/** Classes by the error code Beton gave the failure (src/core/http/errors.ts). */
const BY_CODE: Record<string, string> = {
  upstream_auth: 'The service rejected the credentials.',
  invalid_credentials: 'The service rejected the credentials.',
  upstream_permission: 'The service refused the request (permissions or plan).',
  upstream_not_found: 'The service could not find what the settings point to.',
  invalid_settings: 'The service could not find what the settings point to.',
  upstream_rate_limited: 'The service is rate limiting the key.',
  upstream_rejected: 'The service rejected a request.',
  upstream_error: 'The service had an error.',
  upstream_malformed: 'The service sent an answer Beton could not read.',
  upstream_unreachable: 'The service could not be reached.',
  upstream_timeout: 'The service did not answer in time.',
  upstream_unavailable: 'The service could not be reached.',
};

/** The same classes read from a stored message (the connection's last error keeps no code). */
const BY_MESSAGE: [RegExp, string][] = [
  [/rejected the credentials/i, BY_CODE.upstream_auth!],
  [/refused the request/i, BY_CODE.upstream_permission!],
  [/answered 404/i, BY_CODE.upstream_not_found!],
  [/rate limiting/i, BY_CODE.upstream_rate_limited!],
  [/rejected the request/i, BY_CODE.upstream_rejected!],
  [/malformed answer/i, BY_CODE.upstream_malformed!],
  [/could not reach|could not check/i, BY_CODE.upstream_unreachable!],
  [/did not answer within/i, BY_CODE.upstream_timeout!],
  [/failed with \d{3}/i, BY_CODE.upstream_error!],
];

/**
 * The generic sentence for a failure, by its code when known, else by the shape of its message.
 *
 * @example
 * errorClassOf('Attio rejected the credentials (401: token abc…)'); // 'The service rejected the credentials. An admin can see the details.'
 */
export function errorClassOf(message: string, code?: string | null): string {
  const byCode = code ? BY_CODE[code] : undefined;
  const known = byCode ?? BY_MESSAGE.find(([shape]) => shape.test(message))?.[1];
  return `${known ?? 'The last attempt failed.'} ${SEE_DETAILS}`;
}

/** True when a run's error came from a service (its message quotes the service). */
export const isUpstreamCode = (code: string | null | undefined) => Boolean(code && code in BY_CODE);

/**
 * An integration's view as `role` may read it: below admin, the connection's last error becomes
 * its class.
 *
 * @example
 * reply.send({ integration: integrationViewFor(actor.role, await getIntegration(rt, ws, 'attio')) });
 */
export function integrationViewFor<T extends { connection: { lastError: string | null } | null }>(
  role: Role,
  view: T,
): T {
  if (canReadUpstreamErrors(role) || !view.connection?.lastError) return view;
  return { ...view, connection: { ...view.connection, lastError: errorClassOf(view.connection.lastError) } };
}

/**
 * A sync run as `role` may read it: below admin, a service's failure (the run's error when its code
 * is an upstream one, and each stream's error) becomes its class; Beton's own messages (interrupted,
 * canceled) stay.
 */
export function runViewFor<
  T extends {
    error: { code: string; message: string } | null;
    streams: Record<string, { error: string | null }>;
  },
>(role: Role, run: T): T {
  if (canReadUpstreamErrors(role)) return run;
  const streams = Object.fromEntries(
    Object.entries(run.streams).map(([name, s]) => [
      name,
      s.error && BY_MESSAGE.some(([shape]) => shape.test(s.error!))
        ? { ...s, error: errorClassOf(s.error) }
        : s,
    ]),
  ) as T['streams'];
  const error =
    run.error && isUpstreamCode(run.error.code)
      ? { code: run.error.code, message: errorClassOf(run.error.message, run.error.code) }
      : run.error;
  return { ...run, streams, error };
}
