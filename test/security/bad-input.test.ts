import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry } from '../../src/api/index.js';
import { type AnyJson, createTestRuntime, type TestResponse, type TestRuntime } from '../support/index.js';
import { deeplyNested, hostileBodyText, validArbitrary } from './support/json-schema.js';
import {
  apiRoutes,
  bodySchema,
  fillUrl,
  paramNames,
  pathParamSchema,
  queryParams,
} from './support/routes.js';

/**
 * Hostile input on every route, derived from the OpenAPI document at /api/openapi.json: fast-check
 * draws bodies, query strings and path parameters (schema-shaped with hostile strings and numbers,
 * extra and prototype keys, wrong types) and every answer must be a 2xx or a 4xx in the one error
 * shape with a message — never a 5xx. Oversized bodies get 413, deep nesting and wrong content
 * types a 4xx.
 */

const BODY_LIMIT = 65_536;
const RUNS_PER_ROUTE = Number(process.env.BETON_FUZZ_RUNS ?? 30);

let t: TestRuntime;
let doc: AnyJson;
let routes: RouteEntry[];
let tried = 0;

beforeAll(async () => {
  t = await createTestRuntime({ env: { BETON_BODY_LIMIT: String(BODY_LIMIT) } });
  doc = (await t.request('GET', '/api/openapi.json')).json;
  routes = apiRoutes(t.app).filter((r) => !r.hidden);
});
afterAll(async () => {
  console.info(`bad input: ${tried} requests over ${routes?.length} routes`);
  await t?.close();
});

/** A 5xx, or a 4xx that is not `{error:{code,message}}` with a message, is a failure. */
function problem(res: TestResponse): string | undefined {
  if (res.status >= 500) return `${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 400) {
    const error = res.json?.error;
    if (typeof error?.code !== 'string' || typeof error?.message !== 'string' || error.message.length < 10) {
      return `${res.status} without a clear error: ${res.text.slice(0, 300)}`;
    }
  }
  return undefined;
}

const pathValue = fc.oneof(
  fc.constantFrom('x', '0', '-1', '..', '%2e%2e', ' ', 'a'.repeat(300), 'null', "'", '"', '😀', '__proto__'),
  fc.string({ minLength: 1, maxLength: 60 }),
);

function queryArbitrary(route: RouteEntry): fc.Arbitrary<string> {
  const params = queryParams(doc, route);
  const entries = params.map((p) =>
    fc.option(
      fc.oneof(
        validArbitrary(p.schema).map((v) => [
          [p.name, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')],
        ]),
        // The same parameter twice (arrays where a scalar is expected).
        fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => [
          [p.name, a],
          [p.name, b],
        ]),
      ),
      { nil: [] as string[][] },
    ),
  );
  const unknown = fc.option(
    fc.tuple(
      fc.constantFrom('unknown', '__proto__', 'constructor[prototype]', ''),
      fc.string({ maxLength: 20 }),
    ),
    { nil: undefined },
  );
  return fc.tuple(fc.tuple(...entries), unknown).map(([chosen, extra]) => {
    const search = new URLSearchParams();
    for (const pairs of chosen) for (const [k, v] of pairs as string[][]) search.append(k!, v!);
    if (extra) search.append(extra[0], extra[1]);
    const text = search.toString();
    return text ? `?${text}` : '';
  });
}

describe('every route under fast-check', () => {
  it('answers bodies, queries and path parameters with a 2xx or a clear 4xx, never a 5xx', async () => {
    expect(routes.length).toBeGreaterThan(55);
    const failures: string[] = [];
    for (const route of routes) {
      const params = paramNames(route.url);
      const schema = bodySchema(doc, route);
      const pathArb = fc.tuple(
        ...params.map((p) => {
          const enumValues = pathParamSchema(doc, route, p)?.enum as string[] | undefined;
          return enumValues ? fc.oneof(fc.constantFrom(...enumValues), pathValue) : pathValue;
        }),
      );
      const bodyArb = schema
        ? fc.option(hostileBodyText(schema), { nil: undefined, freq: 8 })
        : fc.constant(undefined);
      await fc.assert(
        fc.asyncProperty(pathArb, queryArbitrary(route), bodyArb, async (values, query, body) => {
          const url = fillUrl(route.url, Object.fromEntries(params.map((p, i) => [p, values[i]!]))) + query;
          const res = await t.request(route.method, url, {
            key: t.keys.owner,
            ...(body !== undefined ? { rawBody: body, headers: { 'content-type': 'application/json' } } : {}),
          });
          tried++;
          const found = problem(res);
          if (found) failures.push(`${route.method} ${url} ${body?.slice(0, 200) ?? ''} → ${found}`);
          return true;
        }),
        { numRuns: RUNS_PER_ROUTE, seed: 909 },
      );
    }
    expect(failures.slice(0, 20)).toEqual([]);
  }, 600_000);
});

describe('bodies that are too big, too deep or not JSON', () => {
  const withBody = () => routes.filter((r) => bodySchema(doc, r) !== undefined);

  it('refuses an oversized body with 413 on every route that takes one', async () => {
    expect(withBody().length).toBeGreaterThan(15);
    const big = JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT + 10) });
    for (const route of withBody()) {
      const url = fillUrl(
        route.url,
        Object.fromEntries(
          paramNames(route.url).map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0] ?? 'x')]),
        ),
      );
      const res = await t.request(route.method, url, {
        key: t.keys.owner,
        rawBody: big,
        headers: { 'content-type': 'application/json' },
      });
      tried++;
      expect(res.status, `${route.method} ${route.url}`).toBe(413);
      expect(res.json.error.code).toBe('payload_too_large');
    }
  });

  it('answers deeply nested JSON with a 4xx, and the server stays up', async () => {
    for (const route of withBody()) {
      const url = fillUrl(
        route.url,
        Object.fromEntries(
          paramNames(route.url).map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0] ?? 'x')]),
        ),
      );
      for (const body of [
        deeplyNested(10_000, 'array'),
        deeplyNested(5_000, 'object'),
        `{"a":${deeplyNested(10_000, 'array')}}`,
      ]) {
        const res = await t.request(route.method, url, {
          key: t.keys.owner,
          rawBody: body,
          headers: { 'content-type': 'application/json' },
        });
        tried++;
        expect(problem(res), `${route.method} ${route.url}`).toBeUndefined();
        expect(res.status).toBeGreaterThanOrEqual(400);
      }
    }
    expect((await t.request('GET', '/healthz')).status).toBe(200);
  });

  it('answers a wrong content type with 415 (or 400), never by guessing', async () => {
    const types = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/jsonx',
    ];
    for (const route of withBody()) {
      const url = fillUrl(
        route.url,
        Object.fromEntries(
          paramNames(route.url).map((p) => [p, String(pathParamSchema(doc, route, p)?.enum?.[0] ?? 'x')]),
        ),
      );
      // A caller refused before the body is read (an API key creating a workspace) keeps that answer.
      const baseline = await t.request(route.method, url, { key: t.keys.owner, body: { name: 'x' } });
      if (baseline.status === 401 || baseline.status === 403) continue;
      for (const type of types) {
        const res = await t.request(route.method, url, {
          key: t.keys.owner,
          rawBody: type.includes('form') ? 'name=x' : '{"name":"x"}',
          headers: { 'content-type': type },
        });
        tried++;
        expect(problem(res), `${route.method} ${route.url} as ${type}`).toBeUndefined();
        expect([400, 415], `${route.method} ${route.url} as ${type}: ${res.status} ${res.text}`).toContain(
          res.status,
        );
      }
    }
  });

  it('answers a malformed or overlong path in the one error shape', async () => {
    const long = 'a'.repeat(501);
    const cases: [string, string, number[]][] = [
      ['GET', '/api/v1/accounts/%E0%A4%A', [400]],
      ['DELETE', '/api/v1/api-keys/%', [400]],
      // Past the router's limit a GET falls through to the web app's catch-all: an API 404.
      ['GET', `/api/v1/accounts/${long}`, [404, 414]],
      ['DELETE', `/api/v1/api-keys/${long}`, [414]],
      ['GET', `/api/v1/accounts/${'a'.repeat(500)}`, [400]],
    ];
    for (const [method, url, statuses] of cases) {
      const res = await t.request(method, url, { key: t.keys.owner });
      tried++;
      expect(statuses, `${method} ${url.slice(0, 60)}: ${res.status} ${res.text.slice(0, 200)}`).toContain(
        res.status,
      );
      expect(problem(res), url).toBeUndefined();
    }
  });

  it('refuses a prototype-poisoning body without polluting anything', async () => {
    const res = await t.request('POST', '/api/v1/api-keys', {
      key: t.keys.owner,
      rawBody: '{"name":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
