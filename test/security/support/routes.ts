import type { FastifyInstance } from 'fastify';
import type { RouteEntry } from '../../../src/api/index.js';
import type { AnyJson } from '../../support/index.js';

/**
 * The route table, as the suites walk it: read from the running app (`app.routeTable`), so a route
 * added by anyone is tested without editing a list. `floor` guards against an empty table making a
 * suite pass vacuously.
 */

export const API_PREFIX = '/api/v1';

/** Every `/api/v1` route (one entry per method), HEAD left out. */
export function apiRoutes(app: FastifyInstance): RouteEntry[] {
  const seen = new Set<string>();
  return app.routeTable.filter((r) => {
    const id = `${r.method} ${r.url}`;
    if (!r.url.startsWith(`${API_PREFIX}/`) || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** `/api/v1/accounts/:id/links/:integration` → `['id', 'integration']`. */
export const paramNames = (url: string): string[] =>
  url
    .split('/')
    .filter((s) => s.startsWith(':'))
    .map((s) => s.slice(1).replace(/\?$/, ''));

/** The OpenAPI path of a Fastify URL (`:id` → `{id}`). */
export const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Fill a URL's parameters (values are URL-encoded). */
export function fillUrl(url: string, values: Record<string, string>): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`No value for :${name} in ${url}`);
    return encodeURIComponent(value);
  });
}

/** The JSON body schema of an operation in the OpenAPI document, if it takes one. */
export function bodySchema(doc: AnyJson, route: Pick<RouteEntry, 'method' | 'url'>): AnyJson | undefined {
  const op = doc.paths?.[openApiPath(route.url)]?.[route.method.toLowerCase()];
  return op?.requestBody?.content?.['application/json']?.schema;
}

/** Query parameters of an operation: name → schema (and whether required). */
export function queryParams(
  doc: AnyJson,
  route: Pick<RouteEntry, 'method' | 'url'>,
): { name: string; required: boolean; schema: AnyJson }[] {
  const op = doc.paths?.[openApiPath(route.url)]?.[route.method.toLowerCase()];
  return ((op?.parameters ?? []) as AnyJson[])
    .filter((p) => p.in === 'query')
    .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} }));
}

/** The schema of a path parameter (to tell an enum like `:destination` from an id). */
export function pathParamSchema(doc: AnyJson, route: Pick<RouteEntry, 'method' | 'url'>, name: string) {
  const op = doc.paths?.[openApiPath(route.url)]?.[route.method.toLowerCase()];
  return ((op?.parameters ?? []) as AnyJson[]).find((p) => p.in === 'path' && p.name === name)?.schema;
}

/**
 * Every scalar value found under each key anywhere in some JSON documents: `id` → every id seen.
 * Objects are kept too, so a route with several parameters can take them from one object.
 */
export interface Harvest {
  values: Map<string, Set<string>>;
  objects: Record<string, unknown>[];
}

export function harvest(texts: Iterable<string>): Harvest {
  const values = new Map<string, Set<string>>();
  const objects: Record<string, unknown>[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    objects.push(node as Record<string, unknown>);
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' || typeof value === 'number') {
        if (!values.has(key)) values.set(key, new Set());
        values.get(key)!.add(String(value));
      } else {
        walk(value);
      }
    }
  };
  for (const text of texts) {
    try {
      walk(JSON.parse(text));
    } catch {
      // Not JSON (metrics, HTML): nothing to harvest.
    }
  }
  return { values, objects };
}

/** An answer with volatile parts made comparable: request ids dropped, given values replaced. */
export function normalizeAnswer(text: string, replace: string[]): string {
  let out = text.replace(/"requestId":"[^"]*"/g, '"requestId":"<rid>"');
  for (const value of replace) {
    if (!value) continue;
    for (const form of new Set([value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1)])) {
      out = out.split(form).join('<value>');
    }
  }
  return out;
}
