import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditActorOf } from '../../auth/index.js';
import { CHOOSABLE_CAPABILITIES, capabilityProviders, chooseProvider } from '../../connections/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema } from '../schemas.js';

const providersSchema = z.object({
  capability: z.enum(CHOOSABLE_CAPABILITIES),
  offeredBy: z.array(z.string()).describe('Registered integrations that offer the capability'),
  connected: z.array(z.string()).describe('Those connected in this workspace'),
  chosen: z.string().nullable().describe("The workspace's choice; null = the only connected one"),
});

/**
 * Which integration serves a capability (enrichment, destination) when several connected ones
 * offer it: read by everyone, chosen by admins.
 */
export const providerRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;

  app.get(
    '/providers',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['integrations'],
        summary: 'For each capability one integration serves: who offers it, who is connected, the choice',
        response: { 200: z.object({ providers: z.array(providersSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const ws = actorOf(request).workspaceId;
      const providers = [];
      for (const capability of CHOOSABLE_CAPABILITIES) {
        providers.push(await capabilityProviders(rt, ws, capability));
      }
      return { providers };
    },
  );

  app.put(
    '/providers/:capability',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['integrations'],
        summary: 'Choose the integration that serves a capability in this workspace (null clears it)',
        params: z.strictObject({ capability: z.enum(CHOOSABLE_CAPABILITIES) }),
        body: z.strictObject({ integration: z.string().min(1).max(40).nullable() }),
        response: { 200: z.object({ provider: providersSchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const provider = await chooseProvider(
        rt,
        { workspaceId: actor.workspaceId, audit: auditActorOf(actor) },
        request.params.capability,
        request.body.integration,
      );
      return { provider };
    },
  );
};
