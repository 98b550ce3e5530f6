import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { baseUrlSetting, defineIntegration, secret } from '../sdk.js';
import { ApolloClient } from './client.js';
import { apolloEnrichment, DEFAULT_FRESHNESS_DAYS } from './enrichment.js';
import { apolloFacts } from './mappers.js';

export { APOLLO_BULK_SIZE, ApolloClient, ApolloWindowExhaustedError, bareDomain } from './client.js';
export { apolloEnrichment, DEFAULT_FRESHNESS_DAYS } from './enrichment.js';
export type { ApolloOrganization, ApolloPerson, ApolloRateState, PersonMatchInput } from './types.js';

/**
 * Apollo.io: firmographics for each account's domain (industry, size, revenue, location), which
 * scoring uses for fit. Enrichment is not a stream: results are cached per domain (see
 * src/enrichment) because every found company costs a credit.
 */
export default defineIntegration({
  name: 'apollo',
  displayName: 'Apollo',
  description: 'Company firmographics by domain (industry, headcount, revenue, location) for fit scoring.',
  category: 'enrichment',
  roles: ['enrichment'],
  docs: {
    keyUrl: 'https://app.apollo.io/#/settings/integrations/api',
    scopes: ['organizations/enrich', 'organizations/bulk_enrich', 'people/match (optional)'],
    setup: 'docs/integrations/apollo.md',
  },
  credentials: z.object({
    apiKey: secret(z.string().trim().min(10, 'an Apollo API key (Settings → Integrations → API)')),
  }),
  settings: z.object({
    baseUrl: baseUrlSetting('https://api.apollo.io/api/v1'),
    // Coerced: the CLI and BETON_APOLLO_* overrides pass settings as text.
    monthlyCreditCap: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Most Apollo credits Beton may spend in a calendar month (UTC); unset = no cap.'),
    freshnessDays: z.coerce
      .number()
      .int()
      .min(1)
      .max(365)
      .optional()
      .describe(`Days a domain's enrichment stays fresh (default ${DEFAULT_FRESHNESS_DAYS}).`),
  }),
  // Paid plans allow 1,000 enrichment requests a minute; lower plans are paced by Apollo's
  // x-minute-requests-left header, which the client reads.
  rateLimit: { perMinute: 1_000, burst: 100, concurrency: 4 },
  defaultBaseUrl: 'https://api.apollo.io/api/v1',
  facts: apolloFacts,
  enrichment: apolloEnrichment,
  simulator: () => import('./simulator/index.js'),
  auth: (credentials) => ({ 'x-api-key': credentials.apiKey }),
  client: (ctx) => new ApolloClient(ctx.http, ctx.clock),
  validate: async (client) => {
    const health = await client.health();
    if (!health.loggedIn) {
      throw new AppError(
        400,
        'invalid_credentials',
        'Apollo says this API key is not logged in: create a new key in Apollo.',
      );
    }
    return { accountLabel: `Apollo API key (checked via ${health.via})` };
  },
  health: async (client) => {
    await client.health();
    const minute = client.rate.minute;
    return minute
      ? { status: 'ok', details: { minuteLimit: minute.limit, minuteLeft: minute.left } }
      : { status: 'ok' };
  },
});
