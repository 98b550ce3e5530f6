/**
 * Types and cache keys of the CRM push routes (plan, run, history, rollback), from the generated
 * schema.
 *
 * @example
 * const { plan } = await api.post('/api/v1/push/{destination}/plan', { params: { destination: 'attio' }, body: {} });
 */
import type { ResponseOf } from './client.js';
import type { paths } from './schema.js';

export type PushPlan = ResponseOf<'/api/v1/push/{destination}/plan', 'post'>['plan'];
export type PushPlanItem = PushPlan['items'][number];
export type PushRun = ResponseOf<'/api/v1/push-runs/{id}', 'get'>['run'];
export type PushRunItem = ResponseOf<'/api/v1/push-runs/{id}', 'get'>['items'][number];
export type PushValue = PushPlanItem['changes'][number]['before'];

/** A CRM Beton pushes to (the integrations whose roles include `destination`). */
export type PushDestination =
  paths['/api/v1/push/{destination}/plan']['post']['parameters']['path']['destination'];

export const pushKeys = {
  runs: ['push-runs'] as const,
  run: (id: string) => ['push-runs', id] as const,
  rejects: (destination: string) => ['push', destination, 'rejects'] as const,
};

export const isPushActive = (run: Pick<PushRun, 'status'>) => run.status === 'running';
