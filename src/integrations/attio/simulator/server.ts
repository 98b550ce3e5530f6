import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CrmWorld } from '../../../simulators/dataset/types.js';
import { createSimServer, type Knobs, type SimServer } from '../../../simulators/kit/index.js';
import { FixedWindow } from '../../../simulators/kit/limits.js';
import { AttioApiError, attioAuthError, attioInvalid } from './errors.js';
import { AttioStore, type QueryOptions } from './store.js';
import type { Actor } from './values.js';

/** A token the simulator accepts. Inactive tokens answer `/v2/self` with `{active:false}` and 401 elsewhere. */
export interface AttioToken {
  token: string;
  active?: boolean;
  /** Default: every scope Beton asks for. */
  scopes?: string[];
  /** The actor id its writes carry (`created_by_actor.id`). */
  id?: string;
}

export interface AttioSimOptions {
  knobs?: Partial<Knobs>;
  tokens?: AttioToken[];
  /** The CRM as the dataset left it (companies and people, some values set by people). */
  crm?: CrmWorld;
  /** Reads and writes allowed per second per token (Attio: 100 and 25). */
  limits?: { readsPerSecond?: number; writesPerSecond?: number };
  /** Timestamps of values and records (default: wall clock). */
  now?: () => Date;
}

export const DEFAULT_ATTIO_TOKEN = 'attio_sim_token_0001';

export const ALL_SCOPES = [
  'record_permission:read-write',
  'object_configuration:read-write',
  'list_entry:read-write',
  'list_configuration:read-write',
  'note:read-write',
  'user_management:read',
];

/** The Attio simulator: the kit server, an AttioStore and Attio's read/write limits and errors. */
export interface AttioSimulator extends SimServer {
  readonly store: AttioStore;
  /** Write requests applied (a 429'd request is never applied). */
  readonly applied: { writes: number };
  /** Answer the next `writes` write requests (and `reads` reads) with 429, as a storm would. */
  rateLimitStorm(opts: { writes?: number; reads?: number }): void;
  /**
   * Change values as a person would in the Attio UI (author `workspace-member`).
   *
   * @example
   * sim.editAsPerson('acme.com', { beton_health: 90 });
   */
  editAsPerson(domain: string, values: Record<string, unknown>, memberId?: string): void;
}

type Access = 'read' | 'write';
type Scope =
  | 'record_permission'
  | 'object_configuration'
  | 'list_configuration'
  | 'list_entry'
  | 'note'
  | 'user_management';

function hasScope(scopes: string[], scope: Scope, access: Access): boolean {
  return scopes.includes(`${scope}:read-write`) || (access === 'read' && scopes.includes(`${scope}:read`));
}

/** Attio answers 429 with an HTTP-date `Retry-After`: the start of the next second, usually. */
export function httpDate(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toUTCString();
}

/**
 * Start an Attio simulator (not yet listening: call `listen()`).
 *
 * @example
 * const attio = createAttioSimulator({ crm: dataset.crm });
 * const url = await attio.listen();
 * // client → `${url}/v2/self` with `Authorization: Bearer ${DEFAULT_ATTIO_TOKEN}`
 */
export function createAttioSimulator(options: AttioSimOptions = {}): AttioSimulator {
  const isQuery = (route: string) => /\/(records|entries)\/query$/.test(route);
  const server = createSimServer({
    name: 'attio',
    ...(options.knobs ? { knobs: options.knobs } : {}),
    faultBody: (status) => ({
      status_code: status,
      type: 'api_error',
      code: 'internal_error',
      message: 'An unexpected error occurred.',
    }),
    isWrite: (method, route) => !['GET', 'HEAD', 'OPTIONS'].includes(method) && !isQuery(route),
  });
  const store = new AttioStore({
    seed: options.crm?.workspaceId ?? 'attio-sim',
    ...(options.crm ? { workspaceId: options.crm.workspaceId } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  if (options.crm) seedCrm(store, options.crm);

  const tokens = new Map<string, Required<AttioToken>>();
  for (const [i, t] of (options.tokens ?? [{ token: DEFAULT_ATTIO_TOKEN }]).entries()) {
    tokens.set(t.token, {
      token: t.token,
      active: t.active ?? true,
      scopes: t.scopes ?? ALL_SCOPES,
      id: t.id ?? `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    });
  }
  const reads = new FixedWindow(options.limits?.readsPerSecond ?? 100, 1_000, () => Date.now());
  const writes = new FixedWindow(options.limits?.writesPerSecond ?? 25, 1_000, () => Date.now());
  const storm = { reads: 0, writes: 0 };
  const applied = { writes: 0 };
  const app = server.app;

  const tooMany = (reply: FastifyReply, resetAtMs: number) =>
    reply.code(429).header('retry-after', httpDate(resetAtMs)).send({
      status_code: 429,
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      message: 'Rate limit exceeded, please try again later.',
    });

  /** Authenticate, check the scope, then the read or write limit. Returns the caller's actor. */
  const guard = (scope: Scope, access: Access) => async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const token = tokens.get(header.replace(/^Bearer\s+/i, ''));
    if (!token?.active) {
      throw attioAuthError(
        401,
        'unauthorized',
        'Invalid or expired access token. Create a new one in Workspace settings → Developers.',
      );
    }
    if (!hasScope(token.scopes, scope, access)) {
      throw attioAuthError(
        403,
        'missing_scope',
        `This token lacks the "${scope}:${access === 'write' ? 'read-write' : 'read'}" scope.`,
      );
    }
    if (storm[access === 'write' ? 'writes' : 'reads'] > 0) {
      storm[access === 'write' ? 'writes' : 'reads'] -= 1;
      return tooMany(reply, Date.now() + 1);
    }
    if (server.knobs.rateLimits) {
      const decision = (access === 'write' ? writes : reads).take(token.token);
      if (!decision.ok) return tooMany(reply, decision.resetAtMs);
    }
    request.attioActor = { type: 'api-token', id: token.id };
    if (access === 'write') appliedWrite.add(request);
  };
  // Counted when answered 2xx: a 429'd or refused write changed nothing.
  const appliedWrite = new WeakSet<FastifyRequest>();
  app.addHook('onResponse', async (request, reply) => {
    if (appliedWrite.has(request) && reply.statusCode < 300) applied.writes += 1;
  });
  const actor = (request: FastifyRequest): Actor => request.attioActor!;

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof AttioApiError) return reply.code(error.statusCode).send(error.toBody());
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const body =
      status < 500
        ? attioInvalid('validation_type', (error as Error).message).toBody()
        : {
            status_code: 500,
            type: 'api_error',
            code: 'internal_error',
            message: 'An unexpected error occurred.',
          };
    return reply.code(status).send({ ...body, status_code: status });
  });

  type Params = { object: string; record_id: string; attribute: string; list: string; entry_id: string };
  type RouteT = { Params: Params; Querystring: Record<string, string>; Body: Record<string, unknown> };
  type Req = FastifyRequest<RouteT>;
  const data = (request: Req) => {
    const d = request.body?.data;
    if (!d || typeof d !== 'object') throw attioInvalid('validation_type', 'The body must be {"data": {…}}.');
    return d as Record<string, unknown>;
  };
  const values = (request: Req) => data(request).values as Record<string, unknown>;

  app.get<RouteT>('/v2/self', async (request: Req) => {
    const token = tokens.get((request.headers.authorization ?? '').replace(/^Bearer\s+/i, ''));
    if (!token) throw attioAuthError(401, 'unauthorized', 'Invalid access token.');
    if (!token.active) return { active: false };
    return {
      active: true,
      scope: token.scopes.join(' '),
      client_id: 'beton-sim',
      token_type: 'Bearer',
      exp: null,
      iat: 1_700_000_000,
      sub: store.workspaceId,
      aud: 'beton-sim',
      iss: 'attio.com',
      authorized_by_workspace_member_id: options.crm?.members[0]?.id ?? null,
      workspace_id: store.workspaceId,
      workspace_name: options.crm?.workspaceName ?? 'Simulated Attio',
      workspace_slug: 'simulated-attio',
      workspace_logo_url: null,
    };
  });

  app.get<RouteT>('/v2/objects', { preHandler: guard('object_configuration', 'read') }, async () => ({
    data: store.listObjects(),
  }));
  app.get<RouteT>(
    '/v2/objects/:object',
    { preHandler: guard('object_configuration', 'read') },
    async (r: Req) => ({
      data: store.getObject(r.params.object),
    }),
  );
  app.get<RouteT>(
    '/v2/objects/:object/attributes',
    { preHandler: guard('object_configuration', 'read') },
    async (r: Req) => ({
      data: store.listAttributes(r.params.object),
    }),
  );
  app.post<RouteT>(
    '/v2/objects/:object/attributes',
    { preHandler: guard('object_configuration', 'write') },
    async (r: Req) => ({
      data: store.createAttribute(r.params.object, data(r) as Parameters<AttioStore['createAttribute']>[1]),
    }),
  );

  app.post<RouteT>(
    '/v2/objects/:object/records/query',
    { preHandler: guard('record_permission', 'read') },
    async (r: Req) => ({
      data: store.queryRecords(r.params.object, (r.body ?? {}) as QueryOptions),
    }),
  );
  app.put<RouteT>(
    '/v2/objects/:object/records',
    { preHandler: guard('record_permission', 'write') },
    async (r: Req) => {
      const matching = r.query.matching_attribute;
      if (!matching) {
        throw attioInvalid(
          'validation_type',
          'The "matching_attribute" query parameter is required (e.g. ?matching_attribute=domains).',
        );
      }
      return { data: store.assertRecord(r.params.object, matching, values(r), actor(r)).record };
    },
  );
  app.post<RouteT>(
    '/v2/objects/:object/records',
    { preHandler: guard('record_permission', 'write') },
    async (r: Req) => ({
      data: store.createRecord(r.params.object, values(r), actor(r)),
    }),
  );
  app.get<RouteT>(
    '/v2/objects/:object/records/:record_id',
    { preHandler: guard('record_permission', 'read') },
    async (r: Req) => ({
      data: store.getRecord(r.params.object, r.params.record_id),
    }),
  );
  app.patch<RouteT>(
    '/v2/objects/:object/records/:record_id',
    { preHandler: guard('record_permission', 'write') },
    async (r: Req) => ({
      data: store.updateRecord(r.params.object, r.params.record_id, values(r), actor(r), 'append'),
    }),
  );
  app.put<RouteT>(
    '/v2/objects/:object/records/:record_id',
    { preHandler: guard('record_permission', 'write') },
    async (r: Req) => ({
      data: store.updateRecord(r.params.object, r.params.record_id, values(r), actor(r), 'overwrite'),
    }),
  );
  app.delete<RouteT>(
    '/v2/objects/:object/records/:record_id',
    { preHandler: guard('record_permission', 'write') },
    async (r: Req) => {
      store.deleteRecord(r.params.object, r.params.record_id);
      return {};
    },
  );
  app.get<RouteT>(
    '/v2/objects/:object/records/:record_id/attributes/:attribute/values',
    { preHandler: guard('record_permission', 'read') },
    async (r: Req) => ({
      data: store.attributeValues(
        r.params.object,
        r.params.record_id,
        r.params.attribute,
        r.query.show_historic === 'true',
      ),
    }),
  );

  app.get<RouteT>('/v2/workspace_members', { preHandler: guard('user_management', 'read') }, async () => ({
    data: store.listMembers(),
  }));

  app.get<RouteT>('/v2/notes', { preHandler: guard('note', 'read') }, async (r: Req) => ({
    data: store.listNotes({
      ...(r.query.parent_object ? { parent_object: r.query.parent_object } : {}),
      ...(r.query.parent_record_id ? { parent_record_id: r.query.parent_record_id } : {}),
      ...(r.query.limit ? { limit: Number(r.query.limit) } : {}),
      ...(r.query.offset ? { offset: Number(r.query.offset) } : {}),
    }),
  }));
  app.post<RouteT>('/v2/notes', { preHandler: guard('note', 'write') }, async (r: Req) => ({
    data: store.createNote(data(r) as Parameters<AttioStore['createNote']>[0], actor(r)),
  }));

  app.get<RouteT>('/v2/lists', { preHandler: guard('list_configuration', 'read') }, async () => ({
    data: store.listLists(),
  }));
  app.post<RouteT>('/v2/lists', { preHandler: guard('list_configuration', 'write') }, async (r: Req) => ({
    data: store.createListByApi(data(r), actor(r)),
  }));
  app.delete<RouteT>(
    '/v2/lists/:list/entries/:entry_id',
    { preHandler: guard('list_entry', 'write') },
    async (r: Req) => store.deleteEntry(r.params.list, r.params.entry_id),
  );
  app.post<RouteT>(
    '/v2/lists/:list/entries/query',
    { preHandler: guard('list_entry', 'read') },
    async (r: Req) => ({
      data: store.queryEntries(r.params.list, (r.body ?? {}) as QueryOptions),
    }),
  );
  app.put<RouteT>(
    '/v2/lists/:list/entries',
    { preHandler: guard('list_entry', 'write') },
    async (r: Req) => ({
      data: store.assertEntry(r.params.list, data(r) as Parameters<AttioStore['assertEntry']>[1], actor(r)),
    }),
  );

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      status_code: 404,
      type: 'invalid_request_error',
      code: 'not_found',
      message: `No route ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );

  return Object.assign(server, {
    store,
    applied,
    rateLimitStorm(opts: { writes?: number; reads?: number }) {
      storm.writes = opts.writes ?? storm.writes;
      storm.reads = opts.reads ?? storm.reads;
    },
    editAsPerson(domain: string, values: Record<string, unknown>, memberId?: string) {
      const [record] = store.queryRecords('companies', {
        filter: { domains: { domain: { $eq: domain } } },
        limit: 1,
      });
      if (!record) throw new Error(`No company with domain ${domain} in the Attio simulator.`);
      const id = memberId ?? options.crm?.members[0]?.id ?? '00000000-0000-4000-8000-00000000beef';
      store.updateRecord('companies', record.id.record_id, values, { type: 'workspace-member', id });
    },
  });
}

/**
 * Load the dataset's CRM into the store: the members, companies (each with its `owner`, an actor
 * reference to a member, as many workspaces add one), then people linked to them.
 */
export function seedCrm(store: AttioStore, crm: CrmWorld): void {
  type Seeded = { attribute: string; value: unknown; actor: Actor; activeFrom: string };
  const toActor = (a: { type: Actor['type']; id: string }): Actor => ({ type: a.type, id: a.id });
  /** A record's values, plus one more set by its creator when it was created. */
  const valuesOf = (
    r: {
      values: CrmWorld['companies'][number]['values'];
      createdBy: CrmWorld['companies'][number]['createdBy'];
      createdAt: string;
    },
    extra: { attribute: string; value: unknown } | null,
  ): Seeded[] => [
    ...r.values.map((v) => ({
      attribute: v.attribute,
      value: v.value,
      actor: toActor(v.actor),
      activeFrom: v.activeFrom,
    })),
    ...(extra ? [{ ...extra, actor: toActor(r.createdBy), activeFrom: r.createdAt }] : []),
  ];
  for (const m of crm.members) store.addMember(m);
  for (const c of crm.companies) {
    const owner = c.ownerId
      ? {
          attribute: 'owner',
          value: { referenced_actor_type: 'workspace-member', referenced_actor_id: c.ownerId },
        }
      : null;
    store.seedRecord('companies', {
      recordId: c.recordId,
      createdAt: c.createdAt,
      values: valuesOf(c, owner),
    });
  }
  for (const p of crm.people) {
    const company = {
      attribute: 'company',
      value: { target_object: 'companies', target_record_id: p.companyRecordId },
    };
    store.seedRecord('people', {
      recordId: p.recordId,
      createdAt: p.createdAt,
      values: valuesOf(p, company),
    });
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    attioActor?: Actor;
  }
}
