import { AppError } from '../errors.js';

/**
 * What can go wrong talking to a service, as one class per case so callers branch on the kind
 * (`instanceof AuthError`), never on status numbers. Each carries the service's HTTP status and its
 * own message (scrubbed of anything key-shaped and of the credential itself) and never the key.
 *
 * `status` (from AppError) is what Beton answers its own caller when the error reaches the API:
 * 502 for a bad upstream answer, 504 for a timeout. `upstreamStatus` is what the service said.
 */
export abstract class HttpError extends AppError {
  /** Safe to try again later (network trouble, 429, 5xx, timeouts). */
  abstract readonly retryable: boolean;
  constructor(
    code: string,
    message: string,
    readonly integration: string,
    readonly upstreamStatus: number | undefined,
    /** The service's own words, scrubbed. */
    readonly upstreamMessage: string | undefined,
    status = 502,
  ) {
    super(status, code, message, {
      integration,
      upstreamStatus,
      ...(upstreamMessage ? { upstreamMessage } : {}),
    });
  }
}

/** 401: the key is wrong, revoked or expired. */
export class AuthError extends HttpError {
  override name = 'AuthError';
  readonly retryable = false;
  constructor(integration: string, status: number, upstreamMessage?: string) {
    super(
      'upstream_auth',
      `${integration} rejected the credentials (${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}). Check the key, or create a new one.`,
      integration,
      status,
      upstreamMessage,
    );
  }
}

/** 402/403: the key is valid but may not do this (scope, plan, quota). */
export class PermissionError extends HttpError {
  override name = 'PermissionError';
  readonly retryable = false;
  constructor(integration: string, status: number, upstreamMessage?: string) {
    super(
      'upstream_permission',
      `${integration} refused the request (${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}). Give the key the scopes listed in the integration's docs, or check the plan.`,
      integration,
      status,
      upstreamMessage,
    );
  }
}

export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  readonly retryable = false;
  constructor(integration: string, upstreamMessage?: string) {
    super(
      'upstream_not_found',
      `${integration} answered 404${upstreamMessage ? `: ${upstreamMessage}` : ''}. Check the baseUrl and ids in the settings.`,
      integration,
      404,
      upstreamMessage,
    );
  }
}

/** 429 that outlasted the retries (or one whose wait is longer than the cap). */
export class RateLimitedError extends HttpError {
  override name = 'RateLimitedError';
  readonly retryable = true;
  constructor(
    integration: string,
    readonly retryAfterMs: number | undefined,
    upstreamMessage?: string,
  ) {
    super(
      'upstream_rate_limited',
      `${integration} is rate limiting this key${retryAfterMs !== undefined ? ` (retry in ${Math.ceil(retryAfterMs / 1000)} s)` : ''}${upstreamMessage ? `: ${upstreamMessage}` : ''}. The run will pick up from its last page next time.`,
      integration,
      429,
      upstreamMessage,
    );
  }
}

/** Any other 4xx: the request itself was wrong (bad parameter, conflict, unprocessable). */
export class ValidationError extends HttpError {
  override name = 'ValidationError';
  readonly retryable = false;
  constructor(integration: string, status: number, upstreamMessage?: string) {
    super(
      'upstream_rejected',
      `${integration} rejected the request (${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}).`,
      integration,
      status,
      upstreamMessage,
    );
  }
}

/** 5xx after the retries. */
export class UpstreamError extends HttpError {
  override name = 'UpstreamError';
  readonly retryable = true;
  constructor(integration: string, status: number, upstreamMessage?: string) {
    super(
      'upstream_error',
      `${integration} failed with ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''} (after retries). The service is having trouble; try again later.`,
      integration,
      status,
      upstreamMessage,
    );
  }
}

/** The connection failed (DNS, refused, reset, TLS) after the retries. */
export class NetworkError extends HttpError {
  override name = 'NetworkError';
  readonly retryable = true;
  constructor(integration: string, reason: string) {
    super(
      'upstream_unreachable',
      `Could not reach ${integration}: ${reason}. Check the baseUrl setting and the network.`,
      integration,
      undefined,
      undefined,
    );
  }
}

export class TimeoutError extends HttpError {
  override name = 'TimeoutError';
  readonly retryable = true;
  constructor(integration: string, timeoutMs: number) {
    super(
      'upstream_timeout',
      `${integration} did not answer within ${Math.round(timeoutMs / 1000)} s (after retries).`,
      integration,
      undefined,
      undefined,
      504,
    );
  }
}

/** The base URL (or a redirect) points somewhere Beton refuses to call. */
export class UnsafeUrlError extends AppError {
  override name = 'UnsafeUrlError';
  constructor(message: string) {
    super(400, 'unsafe_url', message);
  }
}

/** The body was not what the client expected (malformed JSON on a 2xx). */
export class MalformedResponseError extends HttpError {
  override name = 'MalformedResponseError';
  readonly retryable = true;
  constructor(integration: string, status: number, reason: string) {
    super(
      'upstream_malformed',
      `${integration} sent a malformed answer (${status}): ${reason}.`,
      integration,
      status,
      undefined,
    );
  }
}
