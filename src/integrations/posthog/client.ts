import { AppError } from '../../core/errors.js';
import { type HttpClient, type RateBudget, sleep } from '../../core/http/index.js';
import { cursorPages } from '../paging.js';
import type {
  PostHogEventDefinition,
  PostHogGroup,
  PostHogGroupType,
  PostHogPerson,
  PostHogProject,
  PostHogQueryResponse,
  PostHogUser,
} from './types.js';

export interface PostHogClientOptions {
  /** The project to read; when absent, the only project the key can see. */
  projectId?: number;
  /** The query endpoint's own limits (2,400/hour, 240/min, 3 at once), shared per credential. */
  queryBudget: RateBudget;
  /** The "analytics" endpoints' limits (persons, groups: 1,200/hour, 240/min). */
  analyticsBudget: RateBudget;
  /** How often to ask whether a 202 query is done (default 500 ms, doubling to 5 s). */
  pollIntervalMs?: number;
  /** Give up on a query still running after this long (default 10 minutes). */
  maxQueryMs?: number;
  /** Explicit event names for usage (default: `$pageview` and every event not starting with `$`). */
  usageEvents?: string[];
  /** Days the first usage run reads (default 180). */
  backfillDays?: number;
}

interface Paged<T> {
  next: string | null;
  results: T[];
}

/** A page of a paged endpoint, with the position of the page after it (null at the end). */
export interface PostHogPage<T> {
  results: T[];
  next: { offset?: number; cursor?: string } | null;
}

/** Rows the query endpoint returns at most per call with an explicit LIMIT. */
export const QUERY_MAX_ROWS = 50_000;

/**
 * The only code that speaks PostHog: through Beton's HttpClient (personal API key as a Bearer token,
 * retries, the shared budget), plus PostHog's per-endpoint budgets for queries and analytics.
 *
 * @example
 * const client = new PostHogClient(http, { projectId: 12345, queryBudget, analyticsBudget });
 * const result = await client.query('SELECT count() FROM events WHERE timestamp >= {from}', { from: '2025-05-01' });
 */
export class PostHogClient {
  private resolvedProject: number | undefined;
  /** The project id the settings name, if any. */
  readonly configuredProjectId: number | undefined;
  /** What the streams read from the connection's settings. */
  readonly syncOptions: { usageEvents?: string[]; backfillDays?: number };

  constructor(
    readonly http: HttpClient,
    private readonly options: PostHogClientOptions,
  ) {
    this.resolvedProject = options.projectId;
    this.configuredProjectId = options.projectId;
    this.syncOptions = {
      ...(options.usageEvents ? { usageEvents: options.usageEvents } : {}),
      ...(options.backfillDays ? { backfillDays: options.backfillDays } : {}),
    };
  }

  me(): Promise<PostHogUser> {
    return this.http.get<PostHogUser>('/api/users/@me/');
  }

  /** Every project the key can see. */
  async projects(signal?: AbortSignal): Promise<PostHogProject[]> {
    const out: PostHogProject[] = [];
    for await (const page of cursorPages<PostHogProject, number>({
      what: 'projects next link',
      fetch: async (offset) => {
        const answer = await this.http.get<Paged<PostHogProject>>(
          '/api/projects/',
          offset === undefined ? undefined : { offset, limit: 100 },
          signal,
        );
        return { items: answer.results, next: answer.next ? offsetOf(answer.next) : null };
      },
    })) {
      out.push(...page.items);
    }
    return out;
  }

  /** The configured project, or the only one the key can see; otherwise ask the user to choose. */
  async projectId(signal?: AbortSignal): Promise<number> {
    if (this.resolvedProject !== undefined) return this.resolvedProject;
    const projects = await this.projects(signal);
    if (projects.length === 1) {
      this.resolvedProject = projects[0]!.id;
      return this.resolvedProject;
    }
    const choices = projects.map((p) => `${p.id} (${p.name})`).join(', ') || 'none';
    throw new AppError(
      400,
      'project_required',
      `This PostHog key can see ${projects.length} projects; set the setting projectId to one of: ${choices}.`,
      { projects: projects.map((p) => ({ id: p.id, name: p.name })) },
    );
  }

  async groupTypes(signal?: AbortSignal): Promise<PostHogGroupType[]> {
    const project = await this.projectId(signal);
    return this.http.get<PostHogGroupType[]>(`/api/projects/${project}/groups_types/`, undefined, signal);
  }

  /** One page of persons from `offset`. */
  async persons(offset: number, limit: number, signal?: AbortSignal): Promise<PostHogPage<PostHogPerson>> {
    const project = await this.projectId(signal);
    await this.options.analyticsBudget.take(signal);
    const page = await this.http.get<Paged<PostHogPerson>>(
      `/api/projects/${project}/persons/`,
      { limit, offset },
      signal,
    );
    return { results: page.results, next: page.next ? { offset: offsetOf(page.next) } : null };
  }

  /** One page of groups of a type, from a cursor (undefined: the first page). */
  async groups(
    groupTypeIndex: number,
    cursor: string | undefined,
    signal?: AbortSignal,
  ): Promise<PostHogPage<PostHogGroup>> {
    const project = await this.projectId(signal);
    await this.options.analyticsBudget.take(signal);
    const page = await this.http.get<Paged<PostHogGroup>>(
      `/api/projects/${project}/groups/`,
      { group_type_index: groupTypeIndex, ...(cursor ? { cursor } : {}) },
      signal,
    );
    const next = page.next ? new URL(page.next, this.http.baseUrl).searchParams.get('cursor') : null;
    return { results: page.results, next: next ? { cursor: next } : null };
  }

  async eventDefinitions(
    offset: number,
    limit: number,
    signal?: AbortSignal,
  ): Promise<PostHogPage<PostHogEventDefinition>> {
    const project = await this.projectId(signal);
    const page = await this.http.get<Paged<PostHogEventDefinition>>(
      `/api/projects/${project}/event_definitions/`,
      { limit, offset },
      signal,
    );
    return { results: page.results, next: page.next ? { offset: offsetOf(page.next) } : null };
  }

  /**
   * Run a HogQL query. Values reach PostHog as placeholders (`{name}`), never pasted into the text.
   * A 202 answer means "still running": the query is polled until it completes.
   */
  async query(
    hogql: string,
    values: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<PostHogQueryResponse> {
    const project = await this.projectId(signal);
    const release = await this.options.queryBudget.acquire(signal);
    try {
      const response = await this.http.request<PostHogQueryResponse | { query_status: QueryStatus }>({
        method: 'POST',
        path: `/api/projects/${project}/query/`,
        body: { query: { kind: 'HogQLQuery', query: hogql, values } },
        // A query only reads: retrying it after a 5xx or a dropped connection is safe.
        idempotent: true,
        ...(signal ? { signal } : {}),
      });
      if (response.status !== 202) return response.data as PostHogQueryResponse;
      return await this.awaitQuery(
        project,
        (response.data as { query_status: QueryStatus }).query_status,
        signal,
      );
    } finally {
      release();
    }
  }

  private async awaitQuery(
    project: number,
    status: QueryStatus,
    signal?: AbortSignal,
  ): Promise<PostHogQueryResponse> {
    const deadline = Date.now() + (this.options.maxQueryMs ?? 600_000);
    let wait = this.options.pollIntervalMs ?? 500;
    let current = status;
    while (!current.complete) {
      if (Date.now() > deadline) {
        const seconds = Math.round((this.options.maxQueryMs ?? 600_000) / 1000);
        throw new AppError(
          504,
          'query_timeout',
          `The PostHog query ${current.id} was still running after ${seconds} s; try again later.`,
        );
      }
      await sleep(wait, signal);
      wait = Math.min(wait * 2, 5_000);
      current = (
        await this.http.get<{ query_status: QueryStatus }>(
          `/api/projects/${project}/query/${encodeURIComponent(current.id)}/`,
          undefined,
          signal,
        )
      ).query_status;
    }
    if (current.error || !current.results) {
      throw new AppError(
        502,
        'query_failed',
        `PostHog could not run the query: ${current.error_message ?? 'it returned no results'}.`,
      );
    }
    return current.results;
  }
}

interface QueryStatus {
  id: string;
  complete: boolean;
  error?: boolean;
  error_message?: string | null;
  results?: PostHogQueryResponse | null;
}

/** The `offset` of a PostHog `next` link (its only moving part for limit/offset endpoints). */
function offsetOf(next: string): number {
  const value = new URL(next, 'http://placeholder').searchParams.get('offset');
  const n = Number(value);
  if (value === null || !Number.isInteger(n) || n < 0) {
    throw new AppError(
      502,
      'bad_next_link',
      `PostHog returned a next link without a usable offset: ${next.slice(0, 120)}`,
    );
  }
  return n;
}
