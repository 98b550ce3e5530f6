/**
 * Integration routes are generated per integration (`/api/v1/integrations/stripe`, …), so the app
 * addresses them by name. The generated types fold them into one generic
 * `/api/v1/integrations/{name}…` path per suffix (scripts/gen-api-types.ts), so adding an
 * integration changes no type here.
 *
 * @example
 * const { integration } = await integrationApi.get('stripe');
 * await integrationApi.put('stripe', { credentials: { apiKey } });
 */
import { type ResponseOf, request } from './client.js';
import type { paths } from './schema.js';

type DetailPath = Extract<keyof paths, '/api/v1/integrations/{name}'>;
type SyncPath = Extract<keyof paths, '/api/v1/integrations/{name}/sync'>;

export type IntegrationSummary = ResponseOf<'/api/v1/integrations', 'get'>['integrations'][number];
export type IntegrationDetail = ResponseOf<DetailPath, 'get'>['integration'];
export type Connection = NonNullable<IntegrationSummary['connection']>;
export type SyncRun = ResponseOf<'/api/v1/sync-runs/{id}', 'get'>['run'];

const base = (name: string) => `/api/v1/integrations/${encodeURIComponent(name)}`;

export const integrationApi = {
  list: () => request<ResponseOf<'/api/v1/integrations', 'get'>>('get', '/api/v1/integrations'),
  get: (name: string) => request<{ integration: IntegrationDetail }>('get', base(name)),
  /** Validate live, then store; fields left out keep their stored value. */
  put: (name: string, body: { credentials?: Record<string, unknown>; settings?: Record<string, unknown> }) =>
    request<{ integration: IntegrationDetail }>('put', base(name), { body }),
  test: (name: string) => request<{ integration: IntegrationDetail }>('post', `${base(name)}/test`),
  disconnect: (name: string) => request<void>('delete', base(name)),
  /** Start a sync run; 409 while one runs for this connection. */
  sync: (name: string, body: { full?: boolean; streams?: string[] } = {}) =>
    request<ResponseOf<SyncPath, 'post'>>('post', `${base(name)}/sync`, { body }),
};

/** Cache keys, so a mutation can refresh exactly what it changed. */
export const integrationKeys = {
  all: ['integrations'] as const,
  detail: (name: string) => ['integrations', name] as const,
};
