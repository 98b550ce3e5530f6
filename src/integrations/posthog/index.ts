import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { credentialFingerprint, sharedBudget } from '../../core/http/index.js';
import { baseUrlSetting, type ClientContext, defineIntegration, origin, secret } from '../sdk.js';
import { PostHogClient } from './client.js';
import { groupsFacts, personsFacts, surveyResponsesFacts, usageDailyFacts } from './mappers.js';
import {
  eventDefinitionsStream,
  groupsStream,
  groupTypesStream,
  personsStream,
  surveyResponsesStream,
  usageDailyStream,
} from './streams.js';

export { PostHogClient, type PostHogClientOptions, type PostHogPage, QUERY_MAX_ROWS } from './client.js';
export { SPLIT_PATHS, surveyQuery, usageQuery } from './queries.js';
export {
  type DailyState,
  DEFAULT_BACKFILL_DAYS,
  LATE_DAYS,
  PERSONS_PAGE,
  TARGET_ROWS_PER_CALL,
} from './streams.js';
export type * from './types.js';

/** PostHog Cloud hosts by region; a self-hosted instance is a `baseUrl`. */
export const POSTHOG_HOSTS = { us: 'https://us.posthog.com', eu: 'https://eu.posthog.com' } as const;

/**
 * PostHog's published limits, as token buckets that can never exceed them: a bucket of capacity C
 * refilled at r per window lets C + r through in any window, so r = limit − C.
 */
export const POSTHOG_BUDGETS = {
  /** Every endpoint (480/min, 4,800/hour). */
  other: { perMinute: 440, perHour: 4_760, burst: 40 },
  /** The query endpoint (240/min, 2,400/hour, 3 at once). */
  query: { perMinute: 200, perHour: 2_360, burst: 40, concurrency: 3 },
  /** Persons and groups (240/min, 1,200/hour). */
  analytics: { perMinute: 200, perHour: 1_160, burst: 40 },
} as const;

const credentials = z.object({
  apiKey: secret(
    z
      .string()
      .trim()
      .superRefine((value, ctx) => {
        if (value.startsWith('phc_')) {
          ctx.addIssue({
            code: 'custom',
            message:
              'This is a project API key (phc_…), which can only send events. Create a personal API key (phx_…) with read scopes in PostHog: Settings → Personal API keys.',
          });
        } else if (!/^phx_[A-Za-z0-9_-]{10,}$/.test(value)) {
          ctx.addIssue({ code: 'custom', message: 'a PostHog personal API key (phx_…)' });
        }
      }),
  ),
});

const settings = z.object({
  region: origin(
    z
      .enum(['us', 'eu'])
      .optional()
      .describe('PostHog Cloud region (default us); ignored when baseUrl is set.'),
  ),
  baseUrl: baseUrlSetting(`${POSTHOG_HOSTS.us} (or eu), or your self-hosted PostHog`),
  projectId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'The project to read (GET /api/projects/ lists the ones your key can see); optional when there is only one.',
    ),
  usageEvents: z
    .array(z.string().min(1).max(200))
    .max(200)
    .optional()
    .describe(
      'Events counted in daily usage (default: $pageview and every event whose name does not start with $).',
    ),
  backfillDays: z
    .number()
    .int()
    .min(1)
    .max(730)
    .optional()
    .describe('Days of usage the first sync reads (default 180).'),
});

type Credentials = z.infer<typeof credentials>;
type Settings = z.infer<typeof settings>;

/** The base URL for a connection: an explicit baseUrl, else the region's cloud host. */
export function posthogBaseUrl(s: Pick<Settings, 'region' | 'baseUrl'>): string {
  return s.baseUrl ?? POSTHOG_HOSTS[s.region ?? 'us'];
}

function createClient(ctx: ClientContext<Credentials, Settings>): PostHogClient {
  const fingerprint = credentialFingerprint('posthog', ctx.credentials);
  // ctx.http already points at the connection's host: its baseUrl, else its region's (defaultBaseUrl).
  return new PostHogClient(ctx.http, {
    ...(ctx.settings.projectId ? { projectId: ctx.settings.projectId } : {}),
    queryBudget: sharedBudget('posthog:query', fingerprint, POSTHOG_BUDGETS.query),
    analyticsBudget: sharedBudget('posthog:analytics', fingerprint, POSTHOG_BUDGETS.analytics),
    ...(ctx.settings.usageEvents ? { usageEvents: ctx.settings.usageEvents } : {}),
    ...(ctx.settings.backfillDays ? { backfillDays: ctx.settings.backfillDays } : {}),
  });
}

/**
 * PostHog: product usage. Beton reads group types, groups (companies), persons, event names, NPS
 * answers and daily usage aggregated inside PostHog with HogQL — never raw events.
 */
export default defineIntegration({
  name: 'posthog',
  displayName: 'PostHog',
  description:
    'Product analytics source: companies, people, and daily usage per company aggregated with HogQL.',
  category: 'analytics',
  roles: ['source'],
  docs: {
    keyUrl: 'https://us.posthog.com/settings/user-api-keys',
    scopes: ['query:read', 'person:read', 'group:read', 'event_definition:read', 'project:read'],
    setup: 'docs/integrations/posthog.md',
  },
  credentials,
  settings,
  rateLimit: POSTHOG_BUDGETS.other,
  defaultBaseUrl: (s) => posthogBaseUrl(s),
  simulator: () => import('./simulator/index.js'),
  auth: (c) => ({ authorization: `Bearer ${c.apiKey}` }),
  client: createClient,
  validate: async (client) => {
    const me = await client.me();
    const projects = await client.projects();
    const configured = client.configuredProjectId;
    if (configured !== undefined && !projects.some((p) => p.id === configured)) {
      const choices = projects.map((p) => `${p.id} (${p.name})`).join(', ') || 'none';
      throw new AppError(
        400,
        'invalid_settings',
        `Project ${configured} is not visible to this key; choose one of: ${choices}.`,
      );
    }
    const projectId = await client.projectId();
    const project = projects.find((p) => p.id === projectId);
    const org = me.organization?.name;
    return {
      accountLabel: `${org ? `${org} / ` : ''}${project?.name ?? `project ${projectId}`} (${me.email})`,
      details: { projectId, projects: projects.map((p) => ({ id: p.id, name: p.name })) },
    };
  },
  health: async (client) => {
    await client.groupTypes();
    return { status: 'ok' };
  },
  streams: {
    group_types: groupTypesStream,
    groups: { ...groupsStream, facts: groupsFacts },
    persons: { ...personsStream, facts: personsFacts },
    event_definitions: eventDefinitionsStream,
    usage_daily: { ...usageDailyStream, facts: usageDailyFacts },
    survey_responses: { ...surveyResponsesStream, facts: surveyResponsesFacts },
  },
});
