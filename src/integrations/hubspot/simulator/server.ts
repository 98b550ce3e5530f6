import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dataset } from '../../../simulators/dataset/index.js';
import { createSimServer, type Knobs, type SimServer } from '../../../simulators/kit/index.js';
import { SlidingWindow } from '../../../simulators/kit/limits.js';
import type { HubspotBatchError, HubspotFilter, HubspotObjectType, HubspotSearch } from '../types.js';
import { HubspotStore, MODIFIED, type SimObject, seedWorld } from './store.js';

/** The token the simulator accepts unless told otherwise (a private-app token's shape). */
export const DEFAULT_HUBSPOT_TOKEN = 'pat-na1-00000000-0000-4000-8000-000000000001';
export const ALL_SCOPES = [
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.contacts.read',
  'crm.objects.deals.read',
  'crm.objects.owners.read',
  'crm.schemas.companies.write',
  'crm.lists.read',
  'crm.lists.write',
] as const;
const PORTAL_ID = 24_681_357;
const SEARCH_CAP = 10_000;

export interface HubspotSimOptions {
  dataset?: Pick<Dataset, 'companies' | 'crm' | 'billing' | 'companyById' | 'peopleOfCompany'>;
  knobs?: Partial<Knobs>;
  /** Requests per rolling window for the token (100 or 190; default 100). */
  windowLimit?: number;
  /** The rolling window's length (HubSpot: 10 s; tests shorten it). */
  windowMs?: number;
  /** Search requests per second (HubSpot: about 5). */
  searchPerSecond?: number;
  /** Send `Retry-After` with a 429 (HubSpot may not: the default is without). */
  retryAfter?: boolean;
}

export interface HubspotSimulator extends SimServer {
  readonly apiKey: string;
  readonly store: HubspotStore;
  /** A further token with only these scopes (a private app missing some). */
  issueToken(scopes: readonly string[]): string;
  /** The next `times` requests answer HubSpot's 429 (a storm; `Retry-After` as the option says). */
  rateLimitNext(times: number): void;
  setRetryAfter(on: boolean): void;
  /** The next batch writes fail these companies' inputs (by domain) once, as a 207 names them. */
  failOnce(domains: readonly string[]): void;
  /** Values typed by a person in HubSpot's app (`CRM_UI` in the history). */
  editAsPerson(domain: string, values: Record<string, string | null>): void;
  /** The company ids on the list with this name (empty when there is none). */
  listMembers(name: string): string[];
  /** Arrival time and answer of every request, for tests of pacing. */
  readonly log: { at: number; route: string; status: number }[];
}

type Req = FastifyRequest;

const error = (message: string, category: string, extra: Record<string, unknown> = {}) => ({
  status: 'error',
  message,
  correlationId: randomUUID(),
  category,
  ...extra,
});

/** The scope an endpoint needs (writes need the write scope; property changes the schema scope). */
function scopeOf(method: string, route: string): string | null {
  if (route.startsWith('/account-info')) return null;
  if (route.startsWith('/crm/v3/owners')) return 'crm.objects.owners.read';
  if (route.startsWith('/crm/v3/properties'))
    return method === 'GET' ? 'crm.objects.companies.read' : 'crm.schemas.companies.write';
  if (route.startsWith('/crm/v3/objects/notes')) return 'crm.objects.companies.write';
  if (route.startsWith('/crm/v4/associations')) return null;
  if (route.startsWith('/crm/v3/lists')) return method === 'GET' ? 'crm.lists.read' : 'crm.lists.write';
  const type = /objects\/(companies|contacts|deals)/.exec(route)?.[1];
  const write = /batch\/(update|create|archive)/.test(route);
  if (type === 'companies') return write ? 'crm.objects.companies.write' : 'crm.objects.companies.read';
  if (type === 'contacts') return 'crm.objects.contacts.read';
  if (type === 'deals') return 'crm.objects.deals.read';
  return null;
}

const TYPES = new Set(['companies', 'contacts', 'deals']);
const typeOf = (request: Req): HubspotObjectType | null => {
  const t = (request.params as { type?: string }).type ?? '';
  return TYPES.has(t) ? (t as HubspotObjectType) : null;
};
const list = (v: unknown): string[] | undefined =>
  typeof v === 'string' && v !== ''
    ? v.split(',').map((s) => s.trim())
    : Array.isArray(v)
      ? v.map(String)
      : undefined;

/** Compare a property value with a filter value: numbers and dates numerically, else as text. */
function compare(raw: string | null, value: string): number {
  const asTime = (s: string) => (/^\d+$/.test(s) ? Number(s) : Date.parse(s));
  const a = raw === null ? Number.NaN : asTime(raw);
  const b = asTime(value);
  if (Number.isFinite(a) && Number.isFinite(b)) return a - b;
  return (raw ?? '').localeCompare(value);
}

function matches(o: SimObject, f: HubspotFilter): boolean {
  const raw = o.properties[f.propertyName] ?? null;
  switch (f.operator) {
    case 'EQ':
      return (raw ?? '').toLowerCase() === (f.value ?? '').toLowerCase();
    case 'IN':
      return (f.values ?? []).some((v) => v.toLowerCase() === (raw ?? '').toLowerCase());
    case 'HAS_PROPERTY':
      return raw !== null && raw !== '';
    case 'GTE':
      return raw !== null && compare(raw, f.value ?? '') >= 0;
    case 'GT':
      return raw !== null && compare(raw, f.value ?? '') > 0;
    case 'LTE':
      return raw !== null && compare(raw, f.value ?? '') <= 0;
    default:
      return false;
  }
}

/**
 * HubSpot's CRM API on the simulator kit: objects (list, search, batch read/update/create), property
 * definitions and groups (409 when one exists), owners, v4 association batch reads, notes, and the
 * portal's details; string-typed values with history (`CRM_UI` vs `INTEGRATION`), `paging.next.after`,
 * the 10,000-result search cap (400 past it), the token's rolling 10-second window and the search
 * limit with HubSpot's 429 body (with or without `Retry-After`), 207 partial batch failures, scopes
 * (403 `MISSING_SCOPES`) and the kit's fault knobs.
 *
 * @example
 * const sim = createHubspotSimulator({ dataset: generateDataset({ seed: 'x', companies: 50 }) });
 * const url = await sim.listen();
 */
export function createHubspotSimulator(options: HubspotSimOptions = {}): HubspotSimulator {
  const server = createSimServer({
    name: 'hubspot',
    ...(options.knobs ? { knobs: options.knobs } : {}),
    faultBody: (status) => error(`internal error (${status})`, 'INTERNAL_ERROR'),
    isWrite: (method, route) =>
      method !== 'GET' && !route.endsWith('/search') && !route.endsWith('/batch/read'),
  });
  const store = new HubspotStore(() => Date.now());
  if (options.dataset) seedWorld(store, options.dataset);
  const tokens = new Map<string, Set<string>>([[DEFAULT_HUBSPOT_TOKEN, new Set(ALL_SCOPES)]]);
  const windowLimit = options.windowLimit ?? 100;
  const windowMs = options.windowMs ?? 10_000;
  const general = new SlidingWindow(windowLimit, windowMs, () => Date.now());
  const search = new SlidingWindow(options.searchPerSecond ?? 5, 1_000, () => Date.now());
  let retryAfter = options.retryAfter ?? false;
  let storm = 0;
  const failing = new Set<string>();
  const log: { at: number; route: string; status: number }[] = [];

  const tooMany = (reply: FastifyReply, waitMs: number, searchLane: boolean) => {
    reply.code(429);
    if (!searchLane) {
      reply.header('x-hubspot-ratelimit-max', String(windowLimit));
      reply.header('x-hubspot-ratelimit-remaining', '0');
      reply.header('x-hubspot-ratelimit-interval-milliseconds', String(windowMs));
    }
    if (retryAfter) reply.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
    return reply.send({
      status: 'error',
      message: searchLane
        ? 'You have reached your secondly limit.'
        : 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: randomUUID(),
      policyName: searchLane ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING',
    });
  };

  server.app.addHook('onResponse', async (request, reply) => {
    log.push({
      at: Date.now(),
      route: `${request.method} ${request.routeOptions.url ?? request.url}`,
      status: reply.statusCode,
    });
  });
  server.app.addHook('preHandler', async (request, reply) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const scopes = token ? tokens.get(token) : undefined;
    if (!scopes) {
      return reply
        .code(401)
        .send(
          error(
            'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
            'INVALID_AUTHENTICATION',
          ),
        );
    }
    const route = request.routeOptions.url ?? '';
    const searchLane = route.endsWith('/search');
    if (storm > 0) {
      storm -= 1;
      return tooMany(reply, windowMs, searchLane);
    }
    if (server.knobs.rateLimits) {
      const decision = (searchLane ? search : general).take(token!);
      if (!decision.ok) return tooMany(reply, decision.retryAfterMs, searchLane);
      if (!searchLane) {
        reply.header('x-hubspot-ratelimit-max', String(windowLimit));
        reply.header('x-hubspot-ratelimit-remaining', String(decision.remaining));
        reply.header('x-hubspot-ratelimit-interval-milliseconds', String(windowMs));
      }
    }
    const needed = scopeOf(request.method, route.replace(':type', typeOf(request) ?? ''));
    if (needed && !scopes.has(needed)) {
      return reply.code(403).send(
        error(
          "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
          'MISSING_SCOPES',
          {
            errors: [
              {
                message: 'One or more of the following scopes are required.',
                context: { requiredGranularScopes: [needed] },
              },
            ],
          },
        ),
      );
    }
  });

  const app = server.app;
  app.get('/account-info/v3/details', async () => ({
    portalId: PORTAL_ID,
    accountType: 'STANDARD',
    timeZone: 'US/Eastern',
    companyCurrency: 'USD',
    additionalCurrencies: [],
    utcOffset: '-05:00',
    utcOffsetMilliseconds: -18_000_000,
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  }));

  app.get('/crm/v3/objects/:type', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const q = request.query as Record<string, string | undefined>;
    const limit = Math.min(Math.max(Number(q.limit ?? 10) || 10, 1), 100);
    const start = q.after ? Number(q.after) : 0;
    if (!Number.isInteger(start) || start < 0)
      return reply.code(400).send(error('Invalid after.', 'VALIDATION_ERROR'));
    const all = store.live(type);
    const page = all.slice(start, start + limit);
    const end = start + page.length;
    const after = String(server.knobs.repeatNext ? start : end);
    return {
      results: page.map((o) =>
        store.render(o, list(q.properties), list(q.propertiesWithHistory), list(q.associations)),
      ),
      ...(end < all.length
        ? { paging: { next: { after, link: `${server.url}/crm/v3/objects/${type}?after=${after}` } } }
        : {}),
    };
  });

  app.post('/crm/v3/objects/:type/search', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const body = (request.body ?? {}) as HubspotSearch;
    const limit = Math.min(Math.max(Number(body.limit ?? 10) || 10, 1), 200);
    const offset = body.after ? Number(body.after) : 0;
    if (!Number.isInteger(offset) || offset < 0)
      return reply.code(400).send(error('Invalid after.', 'VALIDATION_ERROR'));
    if (offset >= SEARCH_CAP) {
      return reply
        .code(400)
        .send(
          error(
            `Search results are limited to ${SEARCH_CAP} in all; narrow the filter to page further.`,
            'VALIDATION_ERROR',
          ),
        );
    }
    const groups = body.filterGroups ?? [];
    let found = store
      .live(type)
      .filter((o) => groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(o, f))));
    const sort = body.sorts?.[0];
    if (sort) {
      const dir = sort.direction === 'DESCENDING' ? -1 : 1;
      found = [...found].sort(
        (a, b) =>
          dir * compare(a.properties[sort.propertyName] ?? null, b.properties[sort.propertyName] ?? '') ||
          Number(a.id) - Number(b.id),
      );
    }
    const page = found.slice(offset, offset + limit);
    const end = offset + page.length;
    return {
      total: found.length,
      results: page.map((o) => store.render(o, body.properties)),
      ...(end < found.length
        ? { paging: { next: { after: String(server.knobs.repeatNext ? offset : end) } } }
        : {}),
    };
  });

  app.post('/crm/v3/objects/:type/batch/read', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const body = (request.body ?? {}) as {
      inputs?: { id: string }[];
      properties?: string[];
      propertiesWithHistory?: string[];
    };
    const inputs = body.inputs ?? [];
    if (inputs.length > 100)
      return reply.code(400).send(error('Batch input limit is 100.', 'VALIDATION_ERROR'));
    const results = inputs.flatMap((i) => {
      const o = store.get(type, String(i.id));
      return o ? [store.render(o, body.properties, body.propertiesWithHistory)] : [];
    });
    return { status: 'COMPLETE', results };
  });

  /** Check and apply one input's properties; an error names the input (by id, or domain on a create). */
  const checkProperties = (type: HubspotObjectType, properties: Record<string, unknown>): string | null => {
    for (const [name, value] of Object.entries(properties)) {
      const def = store.properties[type].get(name);
      if (!def) return `Property "${name}" does not exist`;
      if (value !== null && typeof value !== 'string')
        return `Property values must be strings; ${name} is ${typeof value}`;
      if (def.type === 'number' && value !== '' && value !== null && !Number.isFinite(Number(value)))
        return `${value} was not a valid number for property ${name}`;
    }
    return null;
  };

  const batchAnswer = (
    reply: FastifyReply,
    results: unknown[],
    errors: HubspotBatchError[],
    okStatus: number,
  ) => {
    if (errors.length === 0) return reply.code(okStatus).send({ status: 'COMPLETE', results });
    return reply.code(207).send({ status: 'COMPLETE', results, numErrors: errors.length, errors });
  };

  app.post('/crm/v3/objects/:type/batch/update', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const inputs =
      ((request.body ?? {}) as { inputs?: { id: string; properties: Record<string, string> }[] }).inputs ??
      [];
    if (inputs.length > 100)
      return reply.code(400).send(error('Batch input limit is 100.', 'VALIDATION_ERROR'));
    const results: unknown[] = [];
    const errors: HubspotBatchError[] = [];
    for (const input of inputs) {
      const o = store.get(type, String(input.id));
      const domain = (o?.properties.domain ?? '').toLowerCase();
      const problem = !o
        ? { category: 'OBJECT_NOT_FOUND', message: `Object ${input.id} not found` }
        : failing.delete(domain)
          ? { category: 'VALIDATION_ERROR', message: `Property values were not valid for ${domain}` }
          : (() => {
              const p = checkProperties(type, input.properties ?? {});
              return p ? { category: 'VALIDATION_ERROR', message: p } : null;
            })();
      if (problem) {
        errors.push({ status: 'error', ...problem, context: { ids: [String(input.id)] } });
        continue;
      }
      store.set(o!, input.properties ?? {}, 'INTEGRATION');
      results.push(store.render(o!, Object.keys(input.properties ?? {})));
    }
    return batchAnswer(reply, results, errors, 200);
  });

  app.post('/crm/v3/objects/:type/batch/create', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const inputs =
      ((request.body ?? {}) as { inputs?: { properties: Record<string, string> }[] }).inputs ?? [];
    if (inputs.length > 100)
      return reply.code(400).send(error('Batch input limit is 100.', 'VALIDATION_ERROR'));
    const results: unknown[] = [];
    const errors: HubspotBatchError[] = [];
    for (const input of inputs) {
      const domain = (input.properties?.domain ?? '').toLowerCase();
      const invalid = failing.delete(domain)
        ? `Property values were not valid for ${domain}`
        : checkProperties(type, input.properties ?? {});
      if (invalid) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: invalid,
          context: { domain: [domain] },
        });
        continue;
      }
      const o = store.create(type, input.properties ?? {}, 'INTEGRATION');
      results.push(store.render(o, Object.keys(input.properties ?? {})));
    }
    return batchAnswer(reply, results, errors, 201);
  });

  app.get('/crm/v3/properties/:type', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    return { results: [...store.properties[type].values()] };
  });
  app.post('/crm/v3/properties/:type', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const body = (request.body ?? {}) as {
      name?: string;
      label?: string;
      type?: string;
      fieldType?: string;
      groupName?: string;
      description?: string;
    };
    if (!body.name || !body.label || !body.type || !body.fieldType || !body.groupName)
      return reply
        .code(400)
        .send(error('name, label, type, fieldType and groupName are required.', 'VALIDATION_ERROR'));
    if (!store.groups[type].has(body.groupName))
      return reply
        .code(400)
        .send(error(`Property group ${body.groupName} does not exist.`, 'VALIDATION_ERROR'));
    if (store.properties[type].has(body.name))
      return reply.code(409).send(error(`Property named '${body.name}' already exists.`, 'CONFLICT'));
    const property = {
      name: body.name,
      label: body.label,
      type: body.type,
      fieldType: body.fieldType,
      groupName: body.groupName,
      ...(body.description ? { description: body.description } : {}),
    };
    store.properties[type].set(body.name, property);
    return reply.code(201).send(property);
  });
  app.post('/crm/v3/properties/:type/groups', async (request, reply) => {
    const type = typeOf(request);
    if (!type) return reply.code(404).send(error('Unknown object type.', 'OBJECT_NOT_FOUND'));
    const body = (request.body ?? {}) as { name?: string; label?: string };
    if (!body.name || !body.label)
      return reply.code(400).send(error('name and label are required.', 'VALIDATION_ERROR'));
    if (store.groups[type].has(body.name))
      return reply.code(409).send(error(`A property group named '${body.name}' already exists.`, 'CONFLICT'));
    store.groups[type].add(body.name);
    return reply.code(201).send({ name: body.name, label: body.label, displayOrder: -1, archived: false });
  });

  app.get('/crm/v3/owners', async (request) => {
    const q = request.query as Record<string, string | undefined>;
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 500);
    const start = q.after ? Number(q.after) || 0 : 0;
    const page = store.owners.slice(start, start + limit);
    const end = start + page.length;
    return {
      results: page,
      ...(end < store.owners.length
        ? { paging: { next: { after: String(server.knobs.repeatNext ? start : end) } } }
        : {}),
    };
  });

  app.post('/crm/v4/associations/:from/:to/batch/read', async (request, reply) => {
    const { from, to } = request.params as { from: string; to: string };
    const inputs = ((request.body ?? {}) as { inputs?: { id: string }[] }).inputs ?? [];
    if (inputs.length > 1_000)
      return reply.code(400).send(error('Batch input limit is 1000.', 'VALIDATION_ERROR'));
    const type = (t: string) => ({
      associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: t === 'deals' ? 342 : 280, label: null }],
    });
    const results = inputs.flatMap(({ id }) => {
      let linked: string[] = [];
      if (from === 'companies' && (to === 'contacts' || to === 'deals'))
        linked = [...(store.links[to].get(String(id)) ?? [])];
      else if ((from === 'contacts' || from === 'deals') && to === 'companies')
        linked = [...store.links[from].entries()].filter(([, ids]) => ids.has(String(id))).map(([c]) => c);
      else return [];
      return linked.length > 0
        ? [
            {
              from: { id: String(id) },
              to: linked.map((l) => ({ toObjectId: Number(l), ...type(from === 'companies' ? to : from) })),
            },
          ]
        : [];
    });
    return { status: 'COMPLETE', results };
  });

  // Lists: static company lists; a membership is its record id.
  const lists = new Map<
    string,
    {
      listId: string;
      name: string;
      objectTypeId: string;
      processingType: string;
      members: Map<string, string>;
    }
  >();
  const listView = (l: {
    listId: string;
    name: string;
    objectTypeId: string;
    processingType: string;
    members: Map<string, string>;
  }) => ({
    listId: l.listId,
    name: l.name,
    objectTypeId: l.objectTypeId,
    processingType: l.processingType,
    size: l.members.size,
  });
  app.get('/crm/v3/lists/object-type-id/:objectTypeId/name/:name', async (request, reply) => {
    const { objectTypeId, name } = request.params as { objectTypeId: string; name: string };
    const found = [...lists.values()].find((l) => l.objectTypeId === objectTypeId && l.name === name);
    if (!found) return reply.code(404).send(error(`List ${name} not found.`, 'OBJECT_NOT_FOUND'));
    return { list: listView(found) };
  });
  app.post('/crm/v3/lists', async (request, reply) => {
    const body = (request.body ?? {}) as { name?: string; objectTypeId?: string; processingType?: string };
    if (!body.name || !body.objectTypeId || !body.processingType)
      return reply
        .code(400)
        .send(error('name, objectTypeId and processingType are required.', 'VALIDATION_ERROR'));
    if ([...lists.values()].some((l) => l.name === body.name))
      return reply.code(400).send(error(`A list named ${body.name} already exists.`, 'VALIDATION_ERROR'));
    const list = {
      listId: String(lists.size + 1),
      name: body.name,
      objectTypeId: body.objectTypeId,
      processingType: body.processingType,
      members: new Map<string, string>(),
    };
    lists.set(list.listId, list);
    return { list: listView(list) };
  });
  app.get('/crm/v3/lists/:listId/memberships', async (request, reply) => {
    const list = lists.get((request.params as { listId: string }).listId);
    if (!list) return reply.code(404).send(error('List not found.', 'OBJECT_NOT_FOUND'));
    const q = request.query as Record<string, string | undefined>;
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 250);
    const start = q.after ? Number(q.after) || 0 : 0;
    const all = [...list.members.entries()];
    const page = all.slice(start, start + limit);
    const end = start + page.length;
    return {
      results: page.map(([recordId, at]) => ({ recordId, membershipTimestamp: at })),
      ...(end < all.length
        ? { paging: { next: { after: String(server.knobs.repeatNext ? start : end) } } }
        : {}),
    };
  });
  app.put('/crm/v3/lists/:listId/memberships/:change', async (request, reply) => {
    const { listId, change } = request.params as { listId: string; change: string };
    const list = lists.get(listId);
    if (!list) return reply.code(404).send(error('List not found.', 'OBJECT_NOT_FOUND'));
    const ids = Array.isArray(request.body) ? (request.body as unknown[]).map(String) : [];
    const present = ids.filter((id) => store.get('companies', id));
    const missing = ids.filter((id) => !store.get('companies', id));
    if (change === 'add') {
      for (const id of present) if (!list.members.has(id)) list.members.set(id, new Date().toISOString());
      return { recordIdsAdded: present, recordIdsMissing: missing };
    }
    if (change === 'remove') {
      const removed = ids.filter((id) => list.members.delete(id));
      return { recordIdsRemoved: removed, recordIdsMissing: ids.filter((id) => !removed.includes(id)) };
    }
    return reply.code(404).send(error(`Unknown membership change ${change}.`, 'OBJECT_NOT_FOUND'));
  });

  let notes = 0;
  app.post('/crm/v3/objects/notes', async (_request, reply) => {
    notes += 1;
    return reply.code(201).send({ id: String(50_000_000 + notes), properties: {}, archived: false });
  });

  return Object.assign(server, {
    apiKey: DEFAULT_HUBSPOT_TOKEN,
    store,
    log,
    issueToken(scopes: readonly string[]) {
      const token = `pat-na1-${randomUUID()}`;
      tokens.set(token, new Set(scopes));
      return token;
    },
    rateLimitNext(times: number) {
      storm = Math.max(0, times);
    },
    setRetryAfter(on: boolean) {
      retryAfter = on;
    },
    failOnce(domains: readonly string[]) {
      for (const d of domains) failing.add(d.toLowerCase());
    },
    listMembers(name: string): string[] {
      return [...([...lists.values()].find((l) => l.name === name)?.members.keys() ?? [])];
    },
    editAsPerson(domain: string, values: Record<string, string | null>) {
      const company =
        store.companyByDomain(domain) ?? store.create('companies', { domain, name: domain }, 'CRM_UI');
      store.set(company, values, 'CRM_UI');
    },
  });
}

export { MODIFIED };
