import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { credentialFingerprint, sharedBudget } from '../../core/http/index.js';
import { baseUrlSetting, defineIntegration, secret } from '../sdk.js';
import {
  addCompanyToList,
  assertCompany,
  createCompanyList,
  ensureCompanyAttribute,
  noteOnCompany,
  removeListEntry,
} from './actions.js';
import { AttioClient } from './client.js';
import { attioDestinationCapability } from './destination.js';
import { companiesFacts, peopleFacts } from './mappers.js';
import { companiesStream, peopleStream, workspaceMembersStream } from './streams.js';

export { ATTIO_PAGE_LIMIT, AttioClient } from './client.js';
export { attioDestination } from './destination.js';
export type { OffsetState } from './streams.js';
export type * from './types.js';

/**
 * Attio's write limit (25/s) paced a little under the ceiling, so jitter in arrival times rarely
 * pushes a second over it. A bucket of 4 lets writes that late timers delayed be made up for
 * instead of lost; a 429 it may cause costs only the rest of a second already used up.
 */
export const ATTIO_WRITE_BUDGET = { perSecond: 24, burst: 4 } as const;

/**
 * Attio: the CRM. Beton reads companies and people (to match accounts by domain and to see which
 * values a person set) and the workspace members (whom a company's `owner` names), and writes
 * scores onto companies through the push pipeline (src/push).
 */
export default defineIntegration({
  name: 'attio',
  displayName: 'Attio',
  description:
    'CRM destination: Beton writes scores onto companies; reads companies and people for matching.',
  category: 'crm',
  roles: ['source', 'destination'],
  docs: {
    keyUrl: 'https://app.attio.com/_/settings/developers',
    scopes: [
      'record_permission:read-write',
      'object_configuration:read-write',
      'list_entry:read-write',
      'list_configuration:read-write (segment lists)',
      'note:read-write',
      'user_management:read (company owners)',
    ],
    setup: 'docs/integrations/attio.md',
  },
  credentials: z.object({
    apiKey: secret(z.string().trim().min(10, 'an Attio access token (Workspace settings → Developers)')),
  }),
  settings: z.object({
    baseUrl: baseUrlSetting('https://api.attio.com'),
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
  rateLimit: { perSecond: 100, burst: 10, concurrency: 16 },
  defaultBaseUrl: 'https://api.attio.com',
  simulator: () => import('./simulator/index.js'),
  auth: (credentials) => ({ authorization: `Bearer ${credentials.apiKey}` }),
  client: (ctx) =>
    new AttioClient(
      ctx.http,
      sharedBudget('attio:writes', credentialFingerprint('attio', ctx.credentials), ATTIO_WRITE_BUDGET),
    ),
  validate: async (client) => {
    const self = await client.self();
    if (!self.active) {
      throw new AppError(
        400,
        'invalid_credentials',
        'Attio says this token is inactive (revoked or expired): create a new one.',
      );
    }
    const label = self.workspace_name ?? self.workspace_slug ?? self.workspace_id ?? 'Attio workspace';
    return { accountLabel: label, details: { workspaceId: self.workspace_id, scope: self.scope } };
  },
  health: async (client) => {
    const self = await client.self();
    // The workspace slug is what links to its records need (the destination's recordUrl).
    return self.active
      ? { status: 'ok', ...(self.workspace_slug ? { details: { workspaceSlug: self.workspace_slug } } : {}) }
      : { status: 'down', message: 'The Attio token is inactive.' };
  },
  streams: {
    companies: { ...companiesStream, facts: companiesFacts },
    people: { ...peopleStream, facts: peopleFacts },
    workspace_members: workspaceMembersStream,
  },
  actions: {
    assertCompany,
    ensureCompanyAttribute,
    noteOnCompany,
    createCompanyList,
    addCompanyToList,
    removeListEntry,
  },
  destination: attioDestinationCapability,
});
