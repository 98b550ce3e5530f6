/**
 * Types of the segments routes, from the generated schema.
 *
 * @example
 * const { items }: SegmentList = await api.get('/api/v1/segments');
 */
import type { ResponseOf } from './client.js';

export type SegmentList = ResponseOf<'/api/v1/segments', 'get'>;
export type Segment = SegmentList['items'][number];
export type SegmentFilter = Segment['filter'];
export type SegmentMembers = ResponseOf<'/api/v1/segments/{id}/accounts', 'get'>;
export type SegmentHistory = ResponseOf<'/api/v1/segments/{id}/history', 'get'>;

/** The accounts-list URL parameters that are segment filters (the rest — sort, paging — are not). */
export const FILTER_PARAMS = [
  'grade',
  'scoreField',
  'minScore',
  'maxScore',
  'minHealth',
  'maxHealth',
  'minExpansion',
  'maxExpansion',
  'minChurnRisk',
  'maxChurnRisk',
  'minFit',
  'maxFit',
  'plan',
  'billing',
  'signal',
  'signalDays',
  'owner',
  'source',
  'createdAfter',
  'createdBefore',
  'signupAfter',
  'signupBefore',
  'q',
] as const;

const NUMERIC = new Set<string>(
  FILTER_PARAMS.filter((p) => p.startsWith('min') || p.startsWith('max') || p === 'signalDays'),
);

/** A segment filter from URL parameters (numbers as numbers). */
export function filterFromParams(params: URLSearchParams): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of FILTER_PARAMS) {
    const value = params.get(key);
    if (value) out[key] = NUMERIC.has(key) ? Number(value) : value;
  }
  return out;
}

/** URL parameters for a segment's filter (to open it in the accounts list). */
export function paramsFromFilter(filter: Record<string, unknown>): URLSearchParams {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(filter))
    if (value !== undefined && value !== null && !(key === 'scoreField' && value === 'score'))
      out.set(key, String(value));
  return out;
}

/** A short human reading of a filter, e.g. "grade M100,M75 · fit ≥ 80 · usage_spike in 7 days". */
export function describeFilter(filter: Record<string, unknown>): string {
  const parts: string[] = [];
  const bound = (label: string, min: unknown, max: unknown) => {
    if (min !== undefined && max !== undefined) parts.push(`${label} ${min}–${max}`);
    else if (min !== undefined) parts.push(`${label} ≥ ${min}`);
    else if (max !== undefined) parts.push(`${label} ≤ ${max}`);
  };
  if (filter.grade) parts.push(`grade ${filter.grade}`);
  bound(String(filter.scoreField ?? 'score'), filter.minScore, filter.maxScore);
  bound('health', filter.minHealth, filter.maxHealth);
  bound('expansion', filter.minExpansion, filter.maxExpansion);
  bound('churn risk', filter.minChurnRisk, filter.maxChurnRisk);
  bound('fit', filter.minFit, filter.maxFit);
  if (filter.plan) parts.push(`plan ${filter.plan}`);
  if (filter.billing) parts.push(`billing ${filter.billing}`);
  if (filter.signal)
    parts.push(
      filter.signalDays ? `${filter.signal} in ${filter.signalDays} days` : `signal ${filter.signal}`,
    );
  if (filter.source) parts.push(`from ${filter.source}`);
  if (filter.createdAfter) parts.push(`created ≥ ${filter.createdAfter}`);
  if (filter.createdBefore) parts.push(`created < ${filter.createdBefore}`);
  if (filter.signupAfter) parts.push(`signed up ≥ ${filter.signupAfter}`);
  if (filter.signupBefore) parts.push(`signed up < ${filter.signupBefore}`);
  if (filter.q) parts.push(`“${filter.q}”`);
  return parts.length ? parts.join(' · ') : 'every account';
}
