/**
 * Apollo's `enrichment` capability: organizations by domain through bulk enrichment
 * (https://docs.apollo.io/reference/bulk-organization-enrichment), 10 domains a call; a company
 * Apollo finds costs 1 credit, a domain it does not know costs nothing. Apollo's API does not
 * report the credit balance, so the platform counts what it spends against the connection's
 * `monthlyCreditCap`.
 */
import { AppError } from '../../core/errors.js';
import { PermissionError } from '../../core/http/index.js';
import type { EnrichmentCapability } from '../capabilities/enrichment.js';
import { APOLLO_BULK_SIZE, type ApolloClient, ApolloWindowExhaustedError, bareDomain } from './client.js';

/** Days an enrichment stays fresh by default: no credit is spent again on a domain inside it. */
export const DEFAULT_FRESHNESS_DAYS = 30;

/** Apollo's 403 in words a user can act on. */
function planRefusal(error: PermissionError): AppError {
  return new AppError(
    403,
    'apollo_plan',
    `Apollo refused organization enrichment for this key: ${error.upstreamMessage ?? `it answered ${error.upstreamStatus}`}. The key's Apollo plan does not include API access to bulk organization enrichment (API_INACCESSIBLE): upgrade the Apollo plan, or connect a key from a plan that includes it.`,
  );
}

/** The connection settings that govern spending (see the definition's `settings`). */
interface ApolloSpendingSettings {
  monthlyCreditCap?: number | undefined;
  freshnessDays?: number | undefined;
}

export const apolloEnrichment: EnrichmentCapability<ApolloClient, ApolloSpendingSettings> = {
  description: 'Organizations by domain: industry, head count, revenue, location.',
  batchSize: APOLLO_BULK_SIZE,
  credits: { perFound: 1, perNotFound: 0 },
  defaultFreshnessDays: DEFAULT_FRESHNESS_DAYS,
  normalizeDomain: bareDomain,
  budget: (settings) => ({
    ...(typeof settings.monthlyCreditCap === 'number' ? { monthlyCreditCap: settings.monthlyCreditCap } : {}),
    ...(typeof settings.freshnessDays === 'number' ? { freshnessDays: settings.freshnessDays } : {}),
  }),
  lookup: (client, domains, signal) => client.bulkEnrichOrganizations(domains, signal),
  describeFailure: (error) => ({
    error: error instanceof PermissionError ? planRefusal(error) : error,
    // The hour's or day's requests are spent: running again after the reset carries on.
    temporary: error instanceof ApolloWindowExhaustedError,
  }),
};
