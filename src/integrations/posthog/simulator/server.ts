import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dataset } from '../../../simulators/dataset/index.js';
import { USAGE_EVENTS } from '../../../simulators/dataset/index.js';
import { hashString, Rng } from '../../../simulators/dataset/random.js';
import {
  createSimClock,
  createSimServer,
  type Knobs,
  type SimClock,
  type SimServer,
  SlidingWindow,
} from '../../../simulators/kit/index.js';
import { type EvaluatedQuery, HogQLError, type PreparedQuery, pageOf, prepareHogQL } from './hogql/index.js';
import { DatasetEventTable, type LateEvent, personProperties } from './table.js';

export type PostHogScope =
  | 'query:read'
  | 'person:read'
  | 'group:read'
  | 'event_definition:read'
  | 'project:read';
export const ALL_SCOPES: readonly PostHogScope[] = [
  'query:read',
  'person:read',
  'group:read',
  'event_definition:read',
  'project:read',
];

/** PostHog's documented limits; every field can be changed (some teams have 120 queries an hour). */
export interface PostHogLimits {
  queryPerMinute: number;
  queryPerHour: number;
  queryConcurrency: number;
  analyticsPerMinute: number;
  analyticsPerHour: number;
  otherPerMinute: number;
  otherPerHour: number;
}

export const POSTHOG_LIMITS: Readonly<PostHogLimits> = Object.freeze({
  queryPerMinute: 240,
  queryPerHour: 2_400,
  queryConcurrency: 3,
  analyticsPerMinute: 240,
  analyticsPerHour: 1_200,
  otherPerMinute: 480,
  otherPerHour: 4_800,
});

export interface PostHogSimulatorOptions {
  /** TCP port on 127.0.0.1 (default: an ephemeral one). */
  port?: number;
  dataset: Dataset;
  knobs?: Partial<Knobs>;
  clock?: SimClock;
  /** The personal API key accepted with every scope (default: derived from the seed). */
  apiKey?: string;
  limits?: Partial<PostHogLimits>;
  /** Share of queries answered 202 first and completed `asyncCompleteMs` later. */
  asyncQueryRate?: number;
  asyncCompleteMs?: number;
  /** The 401 `code` for a bad key: PostHog's sources disagree, so both forms are offered. */
  authErrorCode?: 'authentication_failed' | 'invalid_personal_api_key';
  /** Most persons one page may hold (the `limit` parameter is capped to it). */
  personsMaxLimit?: number;
}

export interface PostHogQueryStats {
  /** Query POSTs answered with results or 202 (not 4xx). */
  executed: number;
  asynchronous: number;
  /** Rows returned across all answers. */
  rowsReturned: number;
  /** Rows (event runs) scanned by evaluations (cached answers scan nothing). */
  rowsScanned: number;
  cacheHits: number;
}

/**
 * The PostHog simulator: the read API Beton uses, over the dataset, with PostHog's auth answers,
 * limits (429 `throttled_error`, no `Retry-After`), pagination and 202-then-complete queries.
 *
 * @example
 * const posthog = await startPostHogSimulator({ dataset });
 * posthog.url; posthog.apiKey; posthog.projectId;
 * posthog.ingestLate([{ groupKey: 'acme.com', event: 'feature_used', at: yesterday }]);
 * await posthog.close();
 */
export interface PostHogSimulator {
  readonly server: SimServer;
  readonly url: string;
  readonly apiKey: string;
  /** The project's `phc_` key: valid for capture only, refused by every read endpoint. */
  readonly projectApiKey: string;
  readonly projectId: number;
  /** A second, empty project the key can also see (so a project must be chosen). */
  readonly otherProjectId: number;
  readonly table: DatasetEventTable;
  readonly stats: PostHogQueryStats;
  /** Accept another personal key with only these scopes. */
  addKey(key: string, scopes: readonly PostHogScope[]): void;
  /** Answer the next `count` requests 429 (detail "Expected available in `seconds` seconds"). */
  throttleNext(count: number, seconds?: number): void;
  /** The last queries received (text and values), newest last, for tests of what the client sends. */
  readonly recentQueries: readonly { query: string; values: Record<string, unknown> }[];
  ingestLate(events: LateEvent[]): number;
  setOptions(
    options: Pick<PostHogSimulatorOptions, 'asyncQueryRate' | 'asyncCompleteMs' | 'authErrorCode' | 'limits'>,
  ): void;
  close(): Promise<void>;
}

interface AsyncQuery {
  id: string;
  projectId: number;
  readyAt: number;
  started: string;
  outcome: { ok: true; body: Record<string, unknown> };
}

type LimitClass = 'query' | 'analytics' | 'other';

export async function startPostHogSimulator(options: PostHogSimulatorOptions): Promise<PostHogSimulator> {
  const { dataset } = options;
  const ids = new Rng(hashString(`${dataset.seed}:posthog`));
  const apiKey = options.apiKey ?? `phx_${ids.chars(43)}`;
  const projectApiKey = `phc_${ids.chars(43)}`;
  const projectId = 10_000 + ids.int(1, 89_999);
  const otherProjectId = projectId + 1;
  const orgId = ids.uuid();
  const userUuid = ids.uuid();
  const clock = options.clock ?? createSimClock(dataset.now);
  const table = new DatasetEventTable(dataset);
  const keys = new Map<string, readonly PostHogScope[]>([[apiKey, ALL_SCOPES]]);
  let settings = {
    asyncQueryRate: options.asyncQueryRate ?? 0,
    asyncCompleteMs: options.asyncCompleteMs ?? 100,
    authErrorCode: options.authErrorCode ?? 'authentication_failed',
    limits: { ...POSTHOG_LIMITS, ...options.limits },
  };
  const stats: PostHogQueryStats = {
    executed: 0,
    asynchronous: 0,
    rowsReturned: 0,
    rowsScanned: 0,
    cacheHits: 0,
  };
  const dice = new Rng(hashString(`${dataset.seed}:posthog-async`));
  const asyncQueries = new Map<string, AsyncQuery>();
  const cache = new Map<string, EvaluatedQuery>();
  const recentQueries: { query: string; values: Record<string, unknown> }[] = [];
  const storm = { left: 0, seconds: 1 };

  const error = (type: string, code: string, detail: string, attr: string | null = null) => ({
    type,
    code,
    detail,
    attr,
  });
  const server = createSimServer({
    name: 'posthog',
    knobs: options.knobs,
    faultBody: (status) =>
      error(
        'server_error',
        'error',
        status === 503 ? 'Service temporarily unavailable.' : 'A server error occurred.',
      ),
    isWrite: (method, route) => method !== 'GET' && !route.endsWith('/query/'),
  });
  const app = server.app;

  const windows = () => ({
    query: [
      new SlidingWindow(settings.limits.queryPerMinute, 60_000),
      new SlidingWindow(settings.limits.queryPerHour, 3_600_000),
    ],
    analytics: [
      new SlidingWindow(settings.limits.analyticsPerMinute, 60_000),
      new SlidingWindow(settings.limits.analyticsPerHour, 3_600_000),
    ],
    other: [
      new SlidingWindow(settings.limits.otherPerMinute, 60_000),
      new SlidingWindow(settings.limits.otherPerHour, 3_600_000),
    ],
  });
  let limiters = windows();

  const throttled = (reply: FastifyReply, seconds: number) =>
    reply
      .code(429)
      .send(
        error(
          'throttled_error',
          'throttled',
          `Request was throttled. Expected available in ${Math.max(1, Math.ceil(seconds))} seconds.`,
        ),
      );

  /** Auth, scope, project access and rate limit: returns false when it already answered. */
  const admit = (
    request: FastifyRequest,
    reply: FastifyReply,
    scope: PostHogScope | null,
    kind: LimitClass,
  ): string | null => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      reply
        .code(401)
        .send(
          error('authentication_error', 'not_authenticated', 'Authentication credentials were not provided.'),
        );
      return null;
    }
    const key = match[1]!;
    if (key.startsWith('phc_')) {
      reply
        .code(401)
        .send(
          error(
            'authentication_error',
            settings.authErrorCode,
            'Project API keys can only send events. Use a personal API key (phx_...) to read data.',
          ),
        );
      return null;
    }
    const scopes = keys.get(key);
    if (!scopes) {
      reply
        .code(401)
        .send(
          error(
            'authentication_error',
            settings.authErrorCode,
            'Personal API key found in request Authorization header is invalid.',
          ),
        );
      return null;
    }
    if (scope && !scopes.includes(scope)) {
      reply
        .code(403)
        .send(
          error('authentication_error', 'permission_denied', `API key missing required scope '${scope}'`),
        );
      return null;
    }
    const params = request.params as { projectId?: string };
    if (params.projectId !== undefined) {
      const id = Number(params.projectId);
      if (id !== projectId && id !== otherProjectId) {
        reply.code(404).send(error('invalid_request', 'not_found', 'Not found.'));
        return null;
      }
    }
    if (storm.left > 0) {
      storm.left--;
      throttled(reply, storm.seconds);
      return null;
    }
    if (server.knobs.rateLimits) {
      for (const window of limiters[kind]) {
        const decision = window.take(key);
        if (!decision.ok) {
          throttled(reply, decision.retryAfterMs / 1000);
          return null;
        }
      }
    }
    return key;
  };

  const origin = (request: FastifyRequest) =>
    `http://${request.headers.host ?? server.url.slice('http://'.length)}`;
  const pageUrl = (request: FastifyRequest, params: Record<string, string | number>) => {
    const path = request.url.split('?')[0]!;
    const query = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    );
    return `${origin(request)}${path}?${query.toString()}`;
  };
  const intParam = (value: unknown, fallback: number, min: number, max: number) => {
    const n = Number.parseInt(String(value ?? ''), 10);
    return Number.isNaN(n) ? fallback : Math.min(max, Math.max(min, n));
  };
  const isMainProject = (request: FastifyRequest) =>
    Number((request.params as { projectId: string }).projectId) === projectId;

  const project = (id: number, name: string) => ({
    id,
    uuid: new Rng(id).uuid(),
    organization: orgId,
    api_token: id === projectId ? projectApiKey : `phc_${new Rng(id).chars(43)}`,
    name,
    timezone: 'UTC',
    created_at: dataset.companies.length > 0 ? '2023-01-10T09:00:00.000000Z' : dataset.now,
  });
  const projects = () => [
    project(projectId, 'Beton Demo App'),
    project(otherProjectId, 'Beton Demo Staging'),
  ];

  app.get('/api/users/@me/', async (request, reply) => {
    if (!admit(request, reply, null, 'other')) return reply;
    return {
      uuid: userUuid,
      email: 'owner@beton-demo.example',
      first_name: 'Demo',
      last_name: 'Owner',
      organization: { id: orgId, name: 'Beton Demo', slug: 'beton-demo' },
      team: {
        id: projectId,
        uuid: project(projectId, '').uuid,
        name: 'Beton Demo App',
        api_token: projectApiKey,
      },
    };
  });

  app.get('/api/projects/', async (request, reply) => {
    if (!admit(request, reply, 'project:read', 'other')) return reply;
    const list = projects();
    return { count: list.length, next: null, previous: null, results: list };
  });

  app.get('/api/projects/:projectId/', async (request, reply) => {
    if (!admit(request, reply, 'project:read', 'other')) return reply;
    return projects().find((p) => p.id === Number((request.params as { projectId: string }).projectId));
  });

  app.get('/api/projects/:projectId/persons/', async (request, reply) => {
    if (!admit(request, reply, 'person:read', 'analytics')) return reply;
    const q = request.query as Record<string, string | undefined>;
    const limit = intParam(q.limit, 100, 1, options.personsMaxLimit ?? 1_000);
    const offset = intParam(q.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    const people = isMainProject(request) ? dataset.people : [];
    const results = people.slice(offset, offset + limit).map((p) => {
      const company = dataset.companyById.get(p.companyId)!;
      return {
        id: p.id,
        uuid: p.id,
        name: p.email,
        distinct_ids: [p.distinctId],
        properties: personProperties(p, company.domain),
        is_identified: true,
        created_at: p.createdAt,
        last_seen_at: p.lastSeenAt,
      };
    });
    const hasMore = offset + limit < people.length;
    const next = server.knobs.repeatNext
      ? pageUrl(request, { limit, offset })
      : hasMore
        ? pageUrl(request, { limit, offset: offset + limit })
        : null;
    const previous = offset > 0 ? pageUrl(request, { limit, offset: Math.max(0, offset - limit) }) : null;
    return { next, previous, results };
  });

  app.get('/api/projects/:projectId/groups_types/', async (request, reply) => {
    if (!admit(request, reply, 'group:read', 'other')) return reply;
    if (!isMainProject(request)) return [];
    return [
      {
        group_type: 'company',
        group_type_index: 0,
        name_singular: 'company',
        name_plural: 'companies',
        detail_dashboard: null,
      },
    ];
  });

  app.get('/api/projects/:projectId/groups/', async (request, reply) => {
    if (!admit(request, reply, 'group:read', 'analytics')) return reply;
    const q = request.query as Record<string, string | undefined>;
    if (q.group_type_index === undefined) {
      return reply
        .code(400)
        .send(error('validation_error', 'required', 'This field is required.', 'group_type_index'));
    }
    const index = Number(q.group_type_index);
    let offset = 0;
    if (q.cursor) {
      try {
        offset = Number(JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')).o) || 0;
      } catch {
        return reply.code(400).send(error('validation_error', 'invalid_input', 'Invalid cursor.', 'cursor'));
      }
    }
    const pageSize = 100;
    const companies = isMainProject(request) && index === 0 ? dataset.companies : [];
    const results = companies.slice(offset, offset + pageSize).map((c) => ({
      group_type_index: 0,
      group_key: c.domain,
      group_properties: {
        name: c.name,
        domain: c.domain,
        plan: c.plan,
        seats: c.seatLimit,
        industry: c.industry,
      },
      created_at: c.createdAt,
    }));
    const cursor = (o: number) => Buffer.from(JSON.stringify({ o })).toString('base64url');
    const nextOffset = server.knobs.repeatNext ? offset : offset + pageSize;
    const hasMore = server.knobs.repeatNext || offset + pageSize < companies.length;
    return {
      next: hasMore ? pageUrl(request, { group_type_index: index, cursor: cursor(nextOffset) }) : null,
      previous:
        offset > 0
          ? pageUrl(request, { group_type_index: index, cursor: cursor(Math.max(0, offset - pageSize)) })
          : null,
      results,
    };
  });

  const definitionIds = new Map(
    USAGE_EVENTS.map((name) => [name, new Rng(hashString(`${dataset.seed}:def:${name}`)).uuid()]),
  );
  app.get('/api/projects/:projectId/event_definitions/', async (request, reply) => {
    if (!admit(request, reply, 'event_definition:read', 'other')) return reply;
    const q = request.query as Record<string, string | undefined>;
    const limit = intParam(q.limit, 100, 1, 1_000);
    const offset = intParam(q.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    const names = isMainProject(request) ? [...USAGE_EVENTS].sort() : [];
    const results = names.slice(offset, offset + limit).map((name) => ({
      id: definitionIds.get(name),
      name,
      volume_30_day: null,
      query_usage_30_day: null,
      created_at: dataset.companies[0]?.createdAt ?? dataset.now,
      last_seen_at: table.lastSeen(name),
      tags: [],
      is_action: false,
    }));
    const hasMore = offset + limit < names.length;
    return {
      count: names.length,
      next: server.knobs.repeatNext
        ? pageUrl(request, { limit, offset })
        : hasMore
          ? pageUrl(request, { limit, offset: offset + limit })
          : null,
      previous: offset > 0 ? pageUrl(request, { limit, offset: Math.max(0, offset - limit) }) : null,
      results,
    };
  });

  /** Evaluate (or reuse) a prepared query and shape PostHog's answer. */
  const answer = (prepared: PreparedQuery, text: string, main: boolean): Record<string, unknown> => {
    const key = `${main ? 'm' : 'o'}:${table.version}:${prepared.cacheKey}`;
    let evaluated = cache.get(key);
    if (evaluated) stats.cacheHits++;
    else {
      evaluated = main ? prepared.evaluate() : { columns: [], items: [], rows: [], rowsScanned: 0 };
      stats.rowsScanned += evaluated.rowsScanned;
      cache.set(key, evaluated);
      while (cache.size > 6) cache.delete(cache.keys().next().value!);
    }
    const page = pageOf(evaluated, prepared);
    stats.rowsReturned += page.results.length;
    return {
      cache_key: `cache_${hashString(key).toString(16)}`,
      is_cached: false,
      columns: page.columns,
      types: page.types,
      results: page.results,
      hasMore: page.hasMore,
      limit: page.limit,
      offset: page.offset,
      hogql: text,
      query: text,
      timezone: 'UTC',
      error: null,
      modifiers: {},
      last_refresh: new Date(clock.nowMs()).toISOString(),
    };
  };

  const runningQueries = () => {
    const now = Date.now();
    let n = 0;
    for (const q of asyncQueries.values()) if (q.readyAt > now) n++;
    return n;
  };

  app.post('/api/projects/:projectId/query/', async (request, reply) => {
    const key = admit(request, reply, 'query:read', 'query');
    if (!key) return reply;
    if (server.knobs.rateLimits && runningQueries() >= settings.limits.queryConcurrency)
      return throttled(reply, 1);
    const body = (request.body ?? {}) as {
      query?: { kind?: string; query?: unknown; values?: unknown };
      async?: boolean;
    };
    const query = body.query;
    if (query?.kind !== 'HogQLQuery' || typeof query.query !== 'string') {
      return reply
        .code(400)
        .send(
          error(
            'validation_error',
            'invalid_input',
            'The simulator runs {"query": {"kind": "HogQLQuery", "query": "SELECT ..."}} only.',
            'query',
          ),
        );
    }
    const values =
      query.values && typeof query.values === 'object' ? (query.values as Record<string, unknown>) : {};
    recentQueries.push({ query: query.query, values });
    if (recentQueries.length > 50) recentQueries.shift();
    const main = isMainProject(request);
    let outcome: AsyncQuery['outcome'] | { ok: false; message: string };
    try {
      const prepared = prepareHogQL(query.query, table, { values, now: () => clock.nowMs() });
      outcome = { ok: true, body: answer(prepared, query.query, main) };
    } catch (e) {
      if (!(e instanceof HogQLError)) throw e;
      outcome = { ok: false, message: e.message };
    }
    // A query that does not parse fails at once, even when it would have run asynchronously.
    if (!outcome.ok) return reply.code(400).send(error('validation_error', 'query_error', outcome.message));
    const goAsync =
      body.async === true || (settings.asyncQueryRate > 0 && dice.next() < settings.asyncQueryRate);
    if (!goAsync) {
      stats.executed++;
      return outcome.body;
    }
    stats.executed++;
    stats.asynchronous++;
    const id = ids.uuid();
    const started = new Date(clock.nowMs()).toISOString();
    const pid = Number((request.params as { projectId: string }).projectId);
    asyncQueries.set(id, {
      id,
      projectId: pid,
      readyAt: Date.now() + settings.asyncCompleteMs,
      started,
      outcome,
    });
    for (const [old, q] of asyncQueries)
      if (asyncQueries.size > 200 && q.readyAt < Date.now()) asyncQueries.delete(old);
    return reply.code(202).send({ query_status: queryStatus(asyncQueries.get(id)!, false) });
  });

  const queryStatus = (q: AsyncQuery, complete: boolean) => ({
    id: q.id,
    team_id: q.projectId,
    query_async: true,
    complete,
    error: false,
    error_message: null,
    results: complete ? q.outcome.body : null,
    start_time: q.started,
    end_time: complete ? new Date(clock.nowMs()).toISOString() : null,
    expiration_time: null,
  });

  app.get('/api/projects/:projectId/query/:queryId/', async (request, reply) => {
    if (!admit(request, reply, 'query:read', 'other')) return reply;
    const q = asyncQueries.get((request.params as { queryId: string }).queryId);
    if (!q) return reply.code(404).send(error('invalid_request', 'not_found', 'Query not found.'));
    return { query_status: queryStatus(q, Date.now() >= q.readyAt) };
  });

  const url = await server.listen(options.port);
  return {
    server,
    url,
    apiKey,
    projectApiKey,
    projectId,
    otherProjectId,
    table,
    stats,
    addKey(key, scopes) {
      keys.set(key, [...scopes]);
    },
    throttleNext(count, seconds = 1) {
      storm.left = count;
      storm.seconds = seconds;
    },
    recentQueries,
    ingestLate(events) {
      return table.ingest(events);
    },
    setOptions(next) {
      settings = {
        asyncQueryRate: next.asyncQueryRate ?? settings.asyncQueryRate,
        asyncCompleteMs: next.asyncCompleteMs ?? settings.asyncCompleteMs,
        authErrorCode: next.authErrorCode ?? settings.authErrorCode,
        limits: { ...settings.limits, ...next.limits },
      };
      if (next.limits) limiters = windows();
    },
    close: () => server.close(),
  };
}
