/** The one outbound HTTP client and its parts: errors by kind, rate budgets, retry rules, SSRF guard. */
export { credentialFingerprint, RateBudget, type RateLimit, sharedBudget } from './budget.js';
export {
  HttpClient,
  type HttpClientOptions,
  type HttpResponse,
  type QueryValue,
  type RequestOptions,
} from './client.js';
export {
  AuthError,
  HttpError,
  MalformedResponseError,
  NetworkError,
  NotFoundError,
  PermissionError,
  RateLimitedError,
  TimeoutError,
  UnsafeUrlError,
  UpstreamError,
  ValidationError,
} from './errors.js';
export {
  backoffDelay,
  defaultRetryPolicy,
  parseAvailableIn,
  parseRetryAfter,
  type RetryPolicy,
  sleep,
} from './retry.js';
export { assertSafeHost, assertSafeUrl, isPrivateAddress } from './ssrf.js';
