/**
 * What Apollo's organizations mean to Beton: firmographics (industry, head count, revenue, country)
 * for fit, and a company name ranked after the CRM's and the product's own.
 */
import type { Firmographics } from '../../model/index.js';
import type { IntegrationFacts } from '../sdk.js';
import type { ApolloOrganization } from './types.js';

const num = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : null;
const trimmed = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);

/**
 * An organization as cached (snake_case as Apollo sends it, camelCase tolerated), reduced to
 * firmographics; null when it is not an object.
 *
 * @example firmographicsOf({ id: 'o1', name: 'Acme', estimated_num_employees: 120 }) // { name: 'Acme', employees: 120, … }
 */
export function firmographicsOf(organization: ApolloOrganization | unknown): Firmographics | null {
  if (!organization || typeof organization !== 'object') return null;
  const o = organization as Record<string, unknown>;
  return {
    name: trimmed(o.name),
    industry: trimmed(o.industry),
    employees: num(o.estimated_num_employees ?? o.estimatedNumEmployees),
    annualRevenue: num(o.annual_revenue ?? o.annualRevenue),
    country: trimmed(o.country),
  };
}

export const apolloFacts: IntegrationFacts = {
  firmographics: { namePriority: 30, of: firmographicsOf },
};
