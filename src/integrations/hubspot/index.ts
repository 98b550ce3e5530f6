import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { credentialFingerprint, sharedBudget } from '../../core/http/index.js';
import { baseUrlSetting, defineIntegration, secret } from '../sdk.js';
import { HubspotClient } from './client.js';
import { hubspotDestinationCapability } from './destination.js';
import { companiesFacts, contactsFacts, dealsFacts } from './mappers.js';
import {
  companiesStream,
  companyContactsStream,
  companyDealsStream,
  contactsStream,
  dealsStream,
  ownersStream,
} from './streams.js';
import type { HubspotError } from './types.js';

export { HubspotClient } from './client.js';
export { hubspotDestination } from './destination.js';
export type * from './types.js';

const DEFAULT_BASE_URL = 'https://api.hubapi.com';
/** HubSpot's window for private apps: 100 (Free/Starter) or 190 (Professional/Enterprise) per 10 s. */
const WINDOW_MS = 10_000;
/** A couple of requests kept spare, beside the budget's own allowance for network jitter. */
const SPARE_REQUESTS = 2;
/** The search endpoints' own limit (about 5 a second per account); Beton uses 4. */
const SEARCH_PER_SECOND = 4;

/** The read scopes the key check probes, with the call that needs each. */
const READ_PROBES = [
  { scope: 'crm.objects.companies.read', path: '/crm/v3/objects/companies' },
  { scope: 'crm.objects.contacts.read', path: '/crm/v3/objects/contacts' },
  { scope: 'crm.objects.deals.read', path: '/crm/v3/objects/deals' },
  { scope: 'crm.objects.owners.read', path: '/crm/v3/owners' },
] as const;

/** The scopes a 403 `MISSING_SCOPES` answer names (`errors[].context.requiredGranularScopes`, …). */
function scopesNamed(body: HubspotError): string[] {
  const contexts = [body.context, ...(body.errors ?? []).map((e) => e.context)];
  return contexts.flatMap((c) =>
    Object.entries(c ?? {})
      .filter(([key]) => /scope/i.test(key))
      .flatMap(([, values]) => values),
  );
}

/**
 * HubSpot, the CRM: Beton reads companies, contacts, deals, owners and which contacts and deals
 * belong to which company, and writes its scores onto companies through the push (src/push).
 */
export default defineIntegration({
  name: 'hubspot',
  displayName: 'HubSpot',
  description:
    'CRM: companies, contacts, deals and owners synced (incrementally by search); Beton’s scores pushed onto companies.',
  category: 'crm',
  roles: ['source', 'destination'],
  docs: {
    keyUrl: 'https://app.hubspot.com/private-apps/',
    scopes: [
      'crm.objects.companies.read',
      'crm.objects.companies.write',
      'crm.objects.contacts.read',
      'crm.objects.deals.read',
      'crm.objects.owners.read',
      'crm.schemas.companies.write',
      'crm.lists.read',
      'crm.lists.write',
    ],
    setup: 'docs/integrations/hubspot.md',
  },
  credentials: z.object({
    apiKey: secret(
      z
        .string()
        .trim()
        .min(10, 'a private-app access token (Settings → Integrations → Private apps), starting pat-'),
    ),
  }),
  settings: z.object({
    baseUrl: baseUrlSetting(DEFAULT_BASE_URL),
    requestsPer10Seconds: z
      .union([z.literal(100), z.literal(190)])
      .optional()
      .describe(
        "Your HubSpot plan's limit for private apps: 100 requests per 10 s (Free, Starter; the default) or 190 (Professional, Enterprise).",
      ),
    notes: z
      .boolean()
      .optional()
      .describe('Add a note to the company when a new high-priority signal fires (default off).'),
    fieldPolicies: z
      .partialRecord(
        z.enum([
          'beton_health',
          'beton_expansion',
          'beton_churn_risk',
          'beton_fit',
          'beton_grade',
          'beton_top_signals',
          'beton_scored_at',
        ]),
        z.enum(['always', 'only_if_empty', 'never_overwrite_human']),
      )
      .optional()
      .describe(
        'Per field: always write, write only into an empty field, or never overwrite a value a person set (the default).',
      ),
  }),
  // The ceiling over both lanes (190 per 10 s plus the search limit); the client paces each lane
  // to its own window (the plan's limit from the settings, and the search limit).
  rateLimit: { perSecond: 19 + SEARCH_PER_SECOND, burst: 10 },
  defaultBaseUrl: DEFAULT_BASE_URL,
  simulator: () => import('./simulator/index.js'),
  auth: (credentials) => ({ authorization: `Bearer ${credentials.apiKey}` }),
  client: (ctx) => {
    const key = credentialFingerprint('hubspot', ctx.credentials);
    const limit = ctx.settings.requestsPer10Seconds ?? 100;
    return new HubspotClient(ctx.http, {
      general: sharedBudget('hubspot', `${key}:general`, {
        window: { requests: limit - SPARE_REQUESTS, ms: WINDOW_MS },
        counting: 'rolling',
      }),
      search: sharedBudget('hubspot', `${key}:search`, { perSecond: SEARCH_PER_SECOND, counting: 'rolling' }),
    });
  },
  validate: async (client) => {
    // A wrong or revoked token answers 401 here (thrown: the platform quotes HubSpot's reason).
    const account = await client.accountDetails();
    const missing = new Set<string>();
    const reasons: string[] = [];
    for (const probe of READ_PROBES) {
      const answer = await client.probe(probe.path);
      if (answer.status === 401) {
        throw new AppError(
          400,
          'invalid_credentials',
          `HubSpot rejected the token: ${(answer.body as HubspotError).message ?? 'unauthorized'}. Check it, or create a new private-app token.`,
        );
      }
      if (answer.status === 403) {
        const named = scopesNamed(answer.body as HubspotError);
        for (const scope of named.length > 0 ? named : [probe.scope]) missing.add(scope);
        reasons.push((answer.body as HubspotError).message);
      }
    }
    if (missing.size > 0) {
      throw new AppError(
        400,
        'invalid_credentials',
        `HubSpot says the token is missing scopes: ${[...missing].join(', ')}. Add them to the private app (Settings → Integrations → Private apps → Scopes), then connect with its token again.`,
        { missingScopes: [...missing], reason: reasons[0] ?? 'MISSING_SCOPES' },
      );
    }
    const label = account.uiDomain
      ? `HubSpot portal ${account.portalId} (${account.uiDomain})`
      : `HubSpot portal ${account.portalId}`;
    return { accountLabel: label, details: { portalId: account.portalId, accountType: account.accountType } };
  },
  health: async (client) => {
    const account = await client.accountDetails();
    // What links to its records need (the destination's recordUrl): the portal and its app's domain.
    return {
      status: 'ok',
      details: { portalId: account.portalId, ...(account.uiDomain ? { uiDomain: account.uiDomain } : {}) },
    };
  },
  streams: {
    companies: { ...companiesStream, facts: companiesFacts },
    contacts: { ...contactsStream, facts: contactsFacts },
    deals: { ...dealsStream, facts: dealsFacts },
    owners: ownersStream,
    company_contacts: companyContactsStream,
    company_deals: companyDealsStream,
  },
  destination: hubspotDestinationCapability,
});
