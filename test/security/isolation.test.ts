import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../src/api/index.js';
import { type AnyJson, signIn, type TestResponse } from '../support/index.js';
import { sampleOf } from './support/json-schema.js';
import {
  apiRoutes,
  bodySchema,
  fillUrl,
  type Harvest,
  harvest,
  normalizeAnswer,
  paramNames,
  pathParamSchema,
} from './support/routes.js';
import { buildWorld, type World } from './support/world.js';

/**
 * Tenant isolation, generated from the route table: workspace A has been through the whole
 * pipeline; workspace B (the curious tenant) tries every route with every id of A it could guess.
 * It must get exactly what it gets for an id that does not exist — status and body — and A must be
 * unchanged afterwards. Viewers cannot write anywhere; revoked, garbage and foreign keys get 401.
 */

/** Routes this suite must find at the least (the table holds ~60 today): an empty walk must not pass. */
const MIN_API_ROUTES = 55;
const MIN_ID_ROUTES = 15;

let world: World;
let doc: AnyJson;
let routes: RouteEntry[];
let poolA: Harvest;
let poolB: Harvest;

beforeAll(async () => {
  world = await buildWorld();
  doc = (await world.t.request('GET', '/api/openapi.json')).json;
  routes = apiRoutes(world.t.app).filter((r) => !r.hidden);
  // Everything A and B can read without naming an id, plus what building A's world answered.
  const readsA: string[] = world.answers.map((a) => a.text);
  const readsB: string[] = [];
  for (const route of routes) {
    if (route.method !== 'GET' || paramNames(route.url).length > 0) continue;
    readsA.push((await world.t.request('GET', route.url, { key: world.t.keys.owner })).text);
    readsB.push((await world.t.request('GET', route.url, { key: world.other.keys.owner })).text);
  }
  poolA = harvest(readsA);
  poolB = harvest(readsB);
}, 240_000);
afterAll(() => world?.close());

/** Parameters that name a tenant's object (not an enum like `:destination`). */
function idParams(route: RouteEntry): string[] {
  return paramNames(route.url).filter((name) => {
    const schema = pathParamSchema(doc, route, name);
    return !Array.isArray(schema?.enum);
  });
}

/** A value of the same shape that no workspace has. */
function missingLike(value: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(value)) return randomUUID();
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value)) return `h8-missing-${randomBytes(4).toString('hex')}.com`;
  const prefix = /^[a-z]+[_:]/i.exec(value)?.[0] ?? '';
  const rest = Math.max(8, value.length - prefix.length);
  return prefix + randomBytes(rest).toString('hex').slice(0, rest);
}

/**
 * Ids of A for a route's parameters: the first taken from what the nearest listing answers (else
 * from everything A saw), minus anything B also sees (catalog keys, integration names); the others
 * from one object holding them all (e.g. a link's integration, stream and externalId).
 */
async function candidatesFor(route: RouteEntry): Promise<Record<string, string>[]> {
  const params = paramNames(route.url);
  // The first parameter naming a tenant's object; enum parameters before it (an integration) are fixed.
  const [first, ...rest] = idParams(route);
  if (!first) return [];
  const fixed = Object.fromEntries(
    params
      .filter((p) => !idParams(route).includes(p))
      .map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0])]),
  );
  const segments = route.url.split('/');
  const at = segments.indexOf(`:${first}`);
  let values: string[] = [];
  for (let end = at; end > 3 && values.length === 0; end--) {
    const listing = segments.slice(0, end).join('/');
    if (!routes.some((r) => r.method === 'GET' && r.url === listing)) continue;
    const res = await world.t.request('GET', fillUrl(listing, fixed), { key: world.t.keys.owner });
    const found = harvest([res.text]).values.get(first === 'id' ? 'id' : first);
    values = [...(found ?? [])];
  }
  if (values.length === 0) values = [...(poolA.values.get(first) ?? [])];
  values = values.filter((v) => !poolB.values.get(first)?.has(v) && v.length > 0).slice(0, 6);
  const out: Record<string, string>[] = [];
  for (const value of values) {
    const assignment: Record<string, string> = { ...fixed, [first]: value };
    const needed = rest.filter((p) => !(p in fixed));
    if (needed.length > 0) {
      const parent = segments.slice(0, segments.indexOf(`:${needed[0]}`) - 1).join('/');
      const source = routes.some((r) => r.method === 'GET' && r.url === parent)
        ? harvest([
            (await world.t.request('GET', fillUrl(parent, assignment), { key: world.t.keys.owner })).text,
          ])
        : poolA;
      const holder = source.objects.find((o) => needed.every((p) => typeof o[p] === 'string'));
      if (!holder) continue;
      for (const p of needed) assignment[p] = holder[p] as string;
    }
    out.push(assignment);
  }
  return out;
}

async function send(route: RouteEntry, values: Record<string, string>, key: string): Promise<TestResponse> {
  const schema = bodySchema(doc, route);
  return world.t.request(route.method, fillUrl(route.url, values), {
    key,
    ...(schema ? { body: sampleOf(schema) } : {}),
  });
}

describe('the route table', () => {
  it('is walked in full: every /api/v1 route declares who may call it', () => {
    const all = apiRoutes(world.t.app);
    expect(all.length).toBeGreaterThan(MIN_API_ROUTES);
    expect(all.filter((r) => !r.access)).toEqual([]);
    // Writes are never open to viewers: public routes verify their own signatures.
    const openWrites = all.filter(
      (r) => r.method !== 'GET' && !r.hidden && (r.access === 'viewer' || r.access === undefined),
    );
    expect(openWrites).toEqual([]);
  });
});

describe('another workspace', () => {
  it('gets the answer of a missing id for every id of this workspace, on every route that takes one', async () => {
    const idRoutes = routes.filter((r) => r.access !== 'public' && idParams(r).length > 0);
    expect(idRoutes.length).toBeGreaterThanOrEqual(MIN_ID_ROUTES);
    const snapshot = await tenantSnapshot(world.t.workspaceId);
    const uncovered: string[] = [];
    const leaks: string[] = [];
    let cases = 0;
    let ownerCases = 0;
    let notFound = 0;
    for (const route of idRoutes) {
      let candidates = await candidatesFor(route);
      if (route.method === 'GET') {
        // Keep ids A itself can read: proof they are real.
        const real: Record<string, string>[] = [];
        for (const c of candidates)
          if ((await send(route, c, world.t.keys.owner)).status === 200) real.push(c);
        candidates = real;
      }
      if (candidates.length === 0) {
        uncovered.push(`${route.method} ${route.url}`);
        continue;
      }
      for (const values of candidates) {
        const [first] = idParams(route);
        const missing = { ...values, [first!]: missingLike(values[first!]!) };
        for (const key of [world.other.keys.owner, world.other.keys.viewer]) {
          const theirs = await send(route, values, key);
          const none = await send(route, missing, key);
          cases++;
          const same =
            theirs.status === none.status &&
            normalizeAnswer(theirs.text, Object.values(values)) ===
              normalizeAnswer(none.text, Object.values(missing));
          if (!same || theirs.status < 400) {
            leaks.push(
              `${route.method} ${fillUrl(route.url, values)} → ${theirs.status} ${theirs.text.slice(0, 200)} | missing → ${none.status} ${none.text.slice(0, 200)}`,
            );
          }
          if (key === world.other.keys.owner) {
            ownerCases++;
            if (theirs.status === 404) notFound++;
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    expect(uncovered, 'routes with ids for which building the world made no object').toEqual([]);
    // Bodies come from the OpenAPI schemas, so nearly every owner's call gets past validation to the
    // lookup (B's viewer is stopped earlier, by its role).
    expect(notFound).toBeGreaterThan(ownerCases * 0.9);
    expect(await tenantSnapshot(world.t.workspaceId)).toEqual(snapshot);
    console.info(
      `isolation: ${idRoutes.length} routes with ids, ${cases} cross-workspace cases, ${notFound} × 404`,
    );
  }, 240_000);

  it('sees none of this workspace’s data on any listing route', async () => {
    const idsOfA = new Set(
      [...(poolA.values.get('id') ?? [])].filter((v) => v.length >= 8 && !poolB.values.get('id')?.has(v)),
    );
    expect(idsOfA.size).toBeGreaterThan(20);
    for (const route of routes.filter((r) => r.method === 'GET' && paramNames(r.url).length === 0)) {
      const res = await world.t.request('GET', route.url, { key: world.other.keys.owner });
      const seen = [...idsOfA].filter((id) => res.text.includes(id));
      expect(seen, route.url).toEqual([]);
    }
  });
});

describe('credentials that must not work', () => {
  it('answers 401 to no key, a garbage key, a malformed header and a revoked key, on every route', async () => {
    const created = await world.t.request('POST', '/api/v1/api-keys', {
      key: world.t.keys.owner,
      body: { name: 'to revoke', role: 'owner' },
    });
    await world.t.request('DELETE', `/api/v1/api-keys/${created.json.apiKey.id}`, {
      key: world.t.keys.owner,
    });
    const revoked: string = created.json.key;
    const variants: [string, Record<string, string>][] = [
      ['no credentials', {}],
      ['garbage key', { authorization: `Bearer beton_zzzzzzzz_${'x'.repeat(40)}` }],
      ['not a key', { authorization: 'Bearer hello' }],
      ['wrong scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
      ['revoked key', { authorization: `Bearer ${revoked}` }],
      [
        'tampered key',
        {
          authorization: `Bearer ${world.t.keys.owner.slice(0, -1)}${world.t.keys.owner.endsWith('a') ? 'b' : 'a'}`,
        },
      ],
    ];
    const protectedRoutes = routes.filter((r) => r.access !== 'public');
    expect(protectedRoutes.length).toBeGreaterThan(MIN_API_ROUTES - 5);
    const wrong: string[] = [];
    for (const route of protectedRoutes) {
      const values = Object.fromEntries(
        paramNames(route.url).map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0] ?? 'x1')]),
      );
      const schema = bodySchema(doc, route);
      for (const [label, headers] of variants) {
        const res = await world.t.request(route.method, fillUrl(route.url, values), {
          headers,
          ...(schema ? { body: sampleOf(schema) } : {}),
        });
        if (res.status !== 401 || res.json?.error?.code !== 'unauthorized') {
          wrong.push(`${label}: ${route.method} ${route.url} → ${res.status} ${res.text.slice(0, 120)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('forbids every write to a viewer (key or session), with the same answer whatever the id', async () => {
    const writes = routes.filter((r) => r.method !== 'GET' && r.access !== 'public');
    const cookie = await signIn(world.t, world.t.users.viewer);
    const wrong: string[] = [];
    for (const route of writes) {
      const [candidate] = await candidatesFor(route);
      const values =
        candidate ??
        Object.fromEntries(
          paramNames(route.url).map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0] ?? 'x1')]),
        );
      const schema = bodySchema(doc, route);
      const asKey = await send(route, values, world.t.keys.viewer);
      const asSession = await world.t.request(route.method, fillUrl(route.url, values), {
        headers: { cookie, origin: world.t.baseUrl },
        ...(schema ? { body: sampleOf(schema) } : {}),
      });
      // Any signed-in person may create a workspace of their own: not a write in this one.
      const answers = route.access === 'authenticated' ? [asKey] : [asKey, asSession];
      for (const res of answers) {
        if (res.status !== 403)
          wrong.push(`${route.method} ${route.url} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(writes.length).toBeGreaterThan(25);
    expect(wrong).toEqual([]);
  });

  it('refuses a key of this workspace that names another workspace in the header', async () => {
    const res = await world.t.request('GET', '/api/v1/accounts', {
      key: world.t.keys.owner,
      headers: { 'x-beton-workspace': world.other.workspaceId },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
  });
});

/**
 * Every row of every tenant table belonging to a workspace (columns a read touches, such as a key's
 * last use, left out): equal before and after means nothing was changed.
 */
async function tenantSnapshot(workspaceId: string): Promise<Record<string, unknown[]>> {
  const db = world.t.rt.db.kysely;
  const schema =
    world.t.rt.db.dialect === 'postgres'
      ? ((
          await db.selectNoFrom((eb) => eb.fn<string>('current_schema', []).as('s')).executeTakeFirstOrThrow()
        ).s as string)
      : undefined;
  const tables = (await db.introspection.getTables()).filter(
    (t) => (schema === undefined || t.schema === schema) && t.columns.some((c) => c.name === 'workspace_id'),
  );
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = (await (db as AnyJson)
      .selectFrom(table.name)
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute()) as Record<string, unknown>[];
    out[table.name] = rows
      .map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'last_used_at'))))
      .sort();
  }
  return out;
}
