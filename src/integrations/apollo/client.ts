import type { Clock } from '../../core/clock.js';
import { AppError, badRequest } from '../../core/errors.js';
import { type HttpClient, RateLimitedError, type RequestOptions, sleep } from '../../core/http/index.js';
import type { ApolloOrganization, ApolloPerson, ApolloRateState, PersonMatchInput } from './types.js';

/** Apollo's bulk endpoints take at most 10 items a call. */
export const APOLLO_BULK_SIZE = 10;

const WINDOW_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/**
 * A fixed window (hour or day) is spent: waiting in-process would hold a job for up to a day, so
 * the caller stops and says when it can resume.
 */
export class ApolloWindowExhaustedError extends AppError {
  override name = 'ApolloWindowExhaustedError';
  constructor(
    readonly window: 'hour' | 'day',
    readonly resumesAt: string,
  ) {
    super(
      429,
      'apollo_limit_reached',
      `Apollo's ${window === 'hour' ? 'hourly' : 'daily'} request limit for this key is used up; it resets at ${resumesAt}. Run enrichment again after that (cached domains are not paid for twice).`,
    );
  }
}

/** `acme.com` from `https://www.Acme.com/about`; Apollo wants the bare domain. */
export function bareDomain(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/^www\./, '');
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Apollo's REST API (https://docs.apollo.io/reference), through Beton's HTTP client (which sends
 * `x-api-key`, paces the key's budget and retries 429/5xx). It also reads Apollo's
 * `x-minute|hourly|daily-requests-left` headers: when the minute is used up it waits for the next
 * window instead of collecting 429s, and when the hour or day is used up it stops with
 * `ApolloWindowExhaustedError`.
 *
 * @example
 * const apollo = new ApolloClient(http, systemClock);
 * const found = await apollo.bulkEnrichOrganizations(['acme.com', 'globex.io']);
 * found.get('acme.com')?.industry; // 'software'
 */
export class ApolloClient {
  /** The budget Apollo last reported for this key. */
  rate: ApolloRateState = { at: 0 };

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {}

  /**
   * The key check: `GET /auth/health` answers `{is_logged_in}`. Where it is missing (404) the key is
   * checked with one enrichment of apollo.io itself instead.
   */
  async health(signal?: AbortSignal): Promise<{ loggedIn: boolean; via: 'auth/health' | 'enrich' }> {
    const res = await this.send<{ is_logged_in?: boolean }>({ path: 'auth/health', accept: [404] }, signal);
    if (res.status !== 404) return { loggedIn: res.data?.is_logged_in === true, via: 'auth/health' };
    await this.enrichOrganization('apollo.io', signal);
    return { loggedIn: true, via: 'enrich' };
  }

  /** One organization by domain; null when Apollo knows nothing (no credit spent then). */
  async enrichOrganization(domain: string, signal?: AbortSignal): Promise<ApolloOrganization | null> {
    const res = await this.send<{ organization?: ApolloOrganization | null } | null>(
      { path: 'organizations/enrich', query: { domain: bareDomain(domain) } },
      signal,
    );
    const org = res.data?.organization;
    return org && typeof org === 'object' && org.id ? org : null;
  }

  /**
   * Up to 10 organizations in one call. The answer maps every requested domain to its organization
   * or null (not found): Apollo lists only what it found, matched back by primary domain or website.
   */
  async bulkEnrichOrganizations(
    domains: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, ApolloOrganization | null>> {
    const wanted = [...new Set(domains.map(bareDomain))];
    if (wanted.length === 0) return new Map();
    if (wanted.length > APOLLO_BULK_SIZE) {
      throw badRequest(`Apollo enriches at most ${APOLLO_BULK_SIZE} domains a call (got ${wanted.length}).`);
    }
    const res = await this.send<{ organizations?: (ApolloOrganization | null)[] } | null>(
      { method: 'POST', path: 'organizations/bulk_enrich', body: { domains: wanted }, idempotent: true },
      signal,
    );
    const out = new Map<string, ApolloOrganization | null>(wanted.map((d) => [d, null]));
    for (const org of res.data?.organizations ?? []) {
      if (!org?.id) continue;
      const keys = [org.primary_domain, org.website_url].filter((k): k is string => typeof k === 'string');
      const match = keys.map(bareDomain).find((k) => out.has(k) && out.get(k) === null);
      if (match) out.set(match, org);
    }
    return out;
  }

  /** One person by email, or by name at a domain; null when not found. */
  async matchPerson(input: PersonMatchInput, signal?: AbortSignal): Promise<ApolloPerson | null> {
    const res = await this.send<{ person?: ApolloPerson | null } | null>(
      { method: 'POST', path: 'people/match', body: input, idempotent: true },
      signal,
    );
    return res.data?.person?.id ? res.data.person : null;
  }

  /** Up to 10 people in one call, answered in the order asked (null where not found). */
  async bulkMatchPeople(
    inputs: readonly PersonMatchInput[],
    signal?: AbortSignal,
  ): Promise<(ApolloPerson | null)[]> {
    if (inputs.length > APOLLO_BULK_SIZE) {
      throw badRequest(`Apollo matches at most ${APOLLO_BULK_SIZE} people a call (got ${inputs.length}).`);
    }
    if (inputs.length === 0) return [];
    const res = await this.send<{ matches?: (ApolloPerson | null)[] } | null>(
      { method: 'POST', path: 'people/bulk_match', body: { details: inputs }, idempotent: true },
      signal,
    );
    const matches = res.data?.matches ?? [];
    return inputs.map((_, i) => (matches[i]?.id ? matches[i]! : null));
  }

  private async send<T>(req: RequestOptions, signal?: AbortSignal) {
    const request = signal ? { ...req, signal } : req;
    for (let attempt = 0; ; attempt++) {
      await this.respectWindows(signal);
      try {
        const res = await this.http.request<T>(request);
        this.readRate(res.headers);
        return res;
      } catch (error) {
        // A 429 without Retry-After outlasted the client's backoff: wait for the minute window.
        if (error instanceof RateLimitedError && error.retryAfterMs === undefined && attempt < 2) {
          this.rate = {
            ...this.rate,
            minute: { limit: this.rate.minute?.limit ?? 0, left: 0 },
            at: this.now(),
          };
          continue;
        }
        throw error;
      }
    }
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private readRate(headers: Headers): void {
    const window = (limitName: string, leftName: string) => {
      const limit = headerNumber(headers, limitName);
      const left = headerNumber(headers, leftName);
      return limit !== undefined && left !== undefined ? { limit, left } : undefined;
    };
    const minute = window('x-rate-limit-minute', 'x-minute-requests-left');
    const hour = window('x-rate-limit-hourly', 'x-hourly-requests-left');
    const day = window('x-rate-limit-daily', 'x-daily-requests-left');
    this.rate = {
      at: this.now(),
      ...(minute ? { minute } : {}),
      ...(hour ? { hour } : {}),
      ...(day ? { day } : {}),
    };
  }

  /** Apollo's windows are fixed: a spent one opens again at its next boundary. */
  private async respectWindows(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const sameWindow = (span: number) => Math.floor(this.rate.at / span) === Math.floor(now / span);
    const nextBoundary = (span: number) => (Math.floor(now / span) + 1) * span;
    for (const name of ['day', 'hour'] as const) {
      if (this.rate[name]?.left === 0 && sameWindow(WINDOW_MS[name])) {
        throw new ApolloWindowExhaustedError(name, new Date(nextBoundary(WINDOW_MS[name])).toISOString());
      }
    }
    if (this.rate.minute?.left === 0 && sameWindow(WINDOW_MS.minute)) {
      await this.wait(nextBoundary(WINDOW_MS.minute) - now + 50, signal);
    }
  }
}
