import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accountSnoozeRoutes } from './account-snoozes.js';
import { accountRoutes } from './accounts.js';
import { alertRoutes } from './alerts.js';
import { apiKeyRoutes } from './api-keys.js';
import { auditRoutes } from './audit.js';
import { enrichmentRoutes } from './enrichment.js';
import { ingestRoutes } from './ingest.js';
import { integrationRoutes } from './integrations.js';
import { invitationRoutes } from './invitations.js';
import { meRoutes } from './me.js';
import { memberRoutes } from './members.js';
import { messagingRoutes } from './messaging.js';
import { outboundWebhookRoutes } from './outbound-webhooks.js';
import { peopleRoutes } from './people.js';
import { providerRoutes } from './providers.js';
import { pushRoutes } from './push.js';
import { scoringRoutes } from './scoring.js';
import { segmentListRoutes } from './segment-lists.js';
import { segmentRoutes } from './segments.js';
import { signalRoutes } from './signals.js';
import { syncRunRoutes } from './sync-runs.js';
import { webhookRoutes } from './webhooks.js';
import { workspaceRoutes } from './workspaces.js';

/**
 * Every `/api/v1` route plugin, registered in this order under the auth plugin. Add one line per
 * resource. Each route must set `config: { access: 'public' | 'authenticated' | 'viewer' |
 * 'member' | 'admin' | 'owner' }` (registration fails otherwise); the runtime is `app.runtime`,
 * the caller `actorOf(request)`.
 */
export const apiRoutes: FastifyPluginAsyncZod[] = [
  meRoutes,
  workspaceRoutes,
  memberRoutes,
  invitationRoutes,
  apiKeyRoutes,
  auditRoutes,
  integrationRoutes,
  providerRoutes,
  syncRunRoutes,
  enrichmentRoutes,
  accountRoutes,
  accountSnoozeRoutes,
  peopleRoutes,
  signalRoutes,
  scoringRoutes,
  segmentRoutes,
  segmentListRoutes,
  pushRoutes,
  webhookRoutes,
  outboundWebhookRoutes,
  ingestRoutes,
  messagingRoutes,
  alertRoutes,
];
