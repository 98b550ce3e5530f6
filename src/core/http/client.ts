import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../logger.js';
import { scrubSecrets, scrubString } from '../redact.js';
import type { RateBudget } from './budget.js';
import {
  AuthError,
  type HttpError,
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
import { httpLatency, httpRateLimited, httpRequests, httpRetries } from './metrics.js';
import {
  backoffDelay,
  defaultRetryPolicy,
  parseAvailableIn,
  parseRetryAfter,
  type RetryPolicy,
  sleep,
} from './retry.js';
import { assertSafeUrl } from './ssrf.js';

export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number>;

export interface HttpClientOptions {
  /** Names metrics and errors. */
  integration: string;
  /** Origin (and optional path prefix) every relative path is resolved against. */
  baseUrl: string;
  /** Sent with every request to the base URL's origin (auth goes here); never logged. */
  headers?: Record<string, string>;
  /** Exact values scrubbed from any message the service sends back (the credential's secrets). */
  secrets?: readonly string[];
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** The credential's shared rate budget; every attempt takes a token. */
  budget?: RateBudget;
  /** Lift the SSRF guard (BETON_ALLOW_PRIVATE_HOSTS). */
  allowPrivateHosts?: boolean;
  /** Exact private origins this client may call anyway (a server-side grant, e.g. the demo's simulator). */
  privateOrigins?: readonly string[];
  logger?: Logger;
  clock?: Clock;
  /** Injected for tests of jitter. */
  random?: () => number;
  /** Resolve host names (tests of the SSRF guard substitute one). */
  resolve?: (host: string) => Promise<string[]>;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the base URL (`/v1/customers`), or an absolute URL on the same origin (a `next` link). */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Retry 5xx and network failures of this request. Default: true except for POST. 429s are always retried. */
  idempotent?: boolean;
  /** Statuses returned as answers rather than thrown (e.g. `[404]` when "absent" is a fine answer). */
  accept?: number[];
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  data: T;
  url: string;
}

const MAX_REDIRECTS = 5;
const MESSAGE_LIMIT = 300;

/**
 * The one outbound HTTP client. Every call an integration makes goes through it: base URL, auth
 * headers, a timeout per attempt, the credential's rate budget, retries on network errors, 429 and
 * 5xx (exponential backoff with full jitter; `Retry-After` as seconds or an HTTP date; the
 * "available in N seconds" body sentence when a 429 has no header), a cap on any single wait, the
 * SSRF guard on every URL and redirect, metrics per integration, and errors by kind.
 *
 * @example
 * const http = new HttpClient({ integration: 'acme', baseUrl: 'https://api.acme.example',
 *   headers: { authorization: `Bearer ${apiKey}` }, secrets: [apiKey], budget });
 * const me = await http.get<{ name: string }>('/v1/me');
 * const page = await http.request<Page>({ path: '/v1/items', query: { limit: 100, after } });
 */
export class HttpClient {
  readonly integration: string;
  readonly baseUrl: URL;
  readonly budget: RateBudget | undefined;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly opts: HttpClientOptions) {
    this.integration = opts.integration;
    try {
      this.baseUrl = new URL(opts.baseUrl.endsWith('/') ? opts.baseUrl : `${opts.baseUrl}/`);
    } catch {
      throw new UnsafeUrlError(
        `The base URL for ${opts.integration} is not a URL; use e.g. https://api.example.com.`,
      );
    }
    this.budget = opts.budget;
    this.policy = { ...defaultRetryPolicy, ...opts.retry };
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.clock = opts.clock ?? systemClock;
  }

  /** GET and return the parsed JSON body. */
  async get<T>(path: string, query?: Record<string, QueryValue>, signal?: AbortSignal): Promise<T> {
    return (await this.request<T>({ path, ...(query ? { query } : {}), ...(signal ? { signal } : {}) })).data;
  }

  /** POST JSON and return the parsed JSON body. */
  async post<T>(
    path: string,
    body: unknown,
    opts: Omit<RequestOptions, 'path' | 'body' | 'method'> = {},
  ): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'POST', path, body })).data;
  }

  async put<T>(
    path: string,
    body: unknown,
    opts: Omit<RequestOptions, 'path' | 'body' | 'method'> = {},
  ): Promise<T> {
    return (await this.request<T>({ ...opts, method: 'PUT', path, body })).data;
  }

  /** The full answer (status, headers, parsed body); throws an HttpError for a status it does not accept. */
  async request<T>(req: RequestOptions): Promise<HttpResponse<T>> {
    const method = req.method ?? 'GET';
    const idempotent = req.idempotent ?? method !== 'POST';
    const url = this.resolve(req.path, req.query);
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    let lastError: HttpError | undefined;
    for (let attempt = 0; attempt < this.policy.maxAttempts; attempt++) {
      const outcome = await this.attempt<T>(method, url, req, timeoutMs);
      if (outcome.kind === 'ok') return outcome.response;
      lastError = outcome.error;
      const retryable = outcome.kind === 'rate_limited' || (idempotent && outcome.error.retryable);
      const isLast = attempt === this.policy.maxAttempts - 1;
      if (!retryable || isLast) break;
      // A hint of zero (or an HTTP date already past: clocks differ) is no hint: back off instead.
      const wait =
        outcome.waitMs !== undefined && outcome.waitMs > 0
          ? outcome.waitMs
          : backoffDelay(attempt, this.policy, this.opts.random);
      if (wait > this.policy.maxWaitMs) break;
      httpRetries.inc({ integration: this.integration, reason: outcome.error.code });
      this.opts.logger?.debug(
        {
          integration: this.integration,
          path: url.pathname,
          reason: outcome.error.code,
          waitMs: wait,
          attempt: attempt + 1,
        },
        'retrying request',
      );
      if (outcome.kind === 'rate_limited') this.budget?.pauseFor(wait);
      await sleep(wait, req.signal);
    }
    throw lastError!;
  }

  private resolve(path: string, query: Record<string, QueryValue> | undefined): URL {
    const isAbsolute = /^https?:\/\//i.test(path);
    const url = isAbsolute ? new URL(path) : new URL(path.replace(/^\//, ''), this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw new UnsafeUrlError(
        `${this.integration} pointed to ${url.origin}, which is not its base URL ${this.baseUrl.origin}; Beton sends credentials only to the configured origin.`,
      );
    }
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, String(v));
      else url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async attempt<T>(
    method: string,
    url: URL,
    req: RequestOptions,
    timeoutMs: number,
  ): Promise<
    | { kind: 'ok'; response: HttpResponse<T> }
    | { kind: 'rate_limited' | 'failed'; error: HttpError; waitMs?: number | undefined }
  > {
    const release = this.budget ? await this.budget.acquire(req.signal) : undefined;
    const started = performance.now();
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let response: Response;
    let finalUrl = url;
    try {
      ({ response, url: finalUrl } = await this.fetchFollowingRedirects(method, url, req, signal));
    } catch (error) {
      release?.();
      if (req.signal?.aborted) throw req.signal.reason;
      if (error instanceof UnsafeUrlError) throw error;
      const timedOut = timeout.aborted;
      httpRequests.inc({ integration: this.integration, outcome: timedOut ? 'timeout' : 'network' });
      return {
        kind: 'failed',
        error: timedOut
          ? new TimeoutError(this.integration, timeoutMs)
          : new NetworkError(this.integration, networkReason(error)),
      };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      release?.();
      if (req.signal?.aborted) throw req.signal.reason;
      const timedOut = timeout.aborted;
      httpRequests.inc({ integration: this.integration, outcome: timedOut ? 'timeout' : 'network' });
      return {
        kind: 'failed',
        error: timedOut
          ? new TimeoutError(this.integration, timeoutMs)
          : new NetworkError(this.integration, networkReason(error)),
      };
    }
    release?.();
    httpLatency.observe({ integration: this.integration }, (performance.now() - started) / 1000);
    const status = response.status;
    httpRequests.inc({ integration: this.integration, outcome: `${Math.floor(status / 100)}xx` });

    if ((status >= 200 && status < 300) || req.accept?.includes(status)) {
      let data: unknown = null;
      if (text.length > 0) {
        try {
          data = JSON.parse(text);
        } catch {
          if (looksJson(response, text)) {
            return {
              kind: 'failed',
              error: new MalformedResponseError(this.integration, status, 'the body is not valid JSON'),
            };
          }
          data = text;
        }
      }
      return {
        kind: 'ok',
        response: { status, headers: response.headers, data: data as T, url: finalUrl.toString() },
      };
    }

    const message = this.serviceMessage(text, response.headers.get('content-type'));
    if (status === 429) {
      httpRateLimited.inc({ integration: this.integration });
      const waitMs =
        parseRetryAfter(response.headers.get('retry-after'), this.clock.now()) ?? parseAvailableIn(text);
      return { kind: 'rate_limited', error: new RateLimitedError(this.integration, waitMs, message), waitMs };
    }
    if (status >= 500) {
      const waitMs = parseRetryAfter(response.headers.get('retry-after'), this.clock.now());
      return { kind: 'failed', error: new UpstreamError(this.integration, status, message), waitMs };
    }
    if (status === 401) return { kind: 'failed', error: new AuthError(this.integration, status, message) };
    if (status === 402 || status === 403) {
      return { kind: 'failed', error: new PermissionError(this.integration, status, message) };
    }
    if (status === 404) return { kind: 'failed', error: new NotFoundError(this.integration, message) };
    return { kind: 'failed', error: new ValidationError(this.integration, status, message) };
  }

  private async fetchFollowingRedirects(
    method: string,
    start: URL,
    req: RequestOptions,
    signal: AbortSignal,
  ): Promise<{ response: Response; url: URL }> {
    let url = start;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      await assertSafeUrl(url, {
        allowPrivateHosts: this.opts.allowPrivateHosts ?? false,
        ...(this.opts.privateOrigins ? { privateOrigins: this.opts.privateOrigins } : {}),
        ...(this.opts.resolve ? { resolve: this.opts.resolve } : {}),
      });
      const sameOrigin = url.origin === this.baseUrl.origin;
      const headers: Record<string, string> = {
        accept: 'application/json',
        'user-agent': 'beton',
        ...(sameOrigin ? this.opts.headers : {}),
        ...req.headers,
      };
      if (req.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(url, {
        method,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        redirect: 'manual',
        signal,
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      return { response, url };
    }
    throw new UnsafeUrlError(`${this.integration} redirected more than ${MAX_REDIRECTS} times.`);
  }

  /**
   * The service's own explanation, from the usual error body shapes, scrubbed of secrets. Only an
   * API's answer is quoted (JSON, or short plain text): a web page or any other document is named
   * by its type, never echoed — behind a base URL may sit a service that was never meant to answer
   * Beton, and its pages must not reach a message anyone can read.
   */
  private serviceMessage(text: string, contentType: string | null): string | undefined {
    let message: string | undefined;
    const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    const isPlain = type === '' || type === 'text/plain';
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      const error = body.error;
      const candidates = [
        body.detail,
        body.message,
        typeof error === 'object' && error !== null ? (error as Record<string, unknown>).message : error,
        body.error_message,
        body.title,
      ];
      message = candidates.find((c): c is string => typeof c === 'string' && c.length > 0);
    } catch {
      const trimmed = text.trim();
      if (!trimmed) return undefined;
      if (!isPlain || /^</.test(trimmed)) {
        return `the answer was ${type || 'a document'}, not an API response; check the baseUrl setting`;
      }
      message = trimmed.replace(/\s+/g, ' ');
    }
    if (!message) return undefined;
    // Known secrets first (in any case or encoding, whole or in pieces), then anything key-shaped.
    // Only a bounded prefix is scrubbed: the message is cut to MESSAGE_LIMIT anyway.
    const clean = scrubString(scrubSecrets(message.slice(0, MESSAGE_LIMIT * 4), this.opts.secrets ?? []));
    return clean.length > MESSAGE_LIMIT ? `${clean.slice(0, MESSAGE_LIMIT)}…` : clean;
  }
}

function looksJson(response: Response, text: string): boolean {
  return /json/i.test(response.headers.get('content-type') ?? '') || /^\s*[[{]/.test(text);
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return scrubString(cause.message);
  return error instanceof Error ? scrubString(error.message) : 'connection failed';
}
