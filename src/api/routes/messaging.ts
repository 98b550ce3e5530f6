import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptInteraction, listMessagingChannels } from '../../messaging/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema } from '../schemas.js';

/** A signed interaction's body is small (one button press); anything larger is not one. */
const INTERACTION_BODY_LIMIT = 256 * 1024;

const channelSchema = z.object({
  id: z.string(),
  name: z.string(),
  isPrivate: z.boolean(),
  isArchived: z.boolean(),
  isMember: z.boolean().describe('Whether the app is in the channel (it must be, to post)'),
});

/** An enum of the registered names offering a capability, so `:name` reads as a choice, not a tenant's id. */
function namesWith(list: readonly { name: string }[]): z.ZodType<string> {
  const names = list.map((i) => i.name);
  return names.length > 0 ? z.enum(names as [string, ...string[]]) : z.never();
}

/**
 * Routes of the `messaging` and `interactions` capabilities, for every integration that has them:
 * `GET /integrations/:name/channels` (the channel picker of alert rules and digests) and
 * `POST /integrations/:name/interactions`, where the service posts button presses (signed; raw
 * bytes kept for the signature).
 */
export const messagingRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;
  const messaging = rt.integrations.list().filter((i) => i.messaging);
  const interactive = rt.integrations.list().filter((i) => i.interactions);

  if (messaging.length > 0) {
    app.get(
      '/integrations/:name/channels',
      {
        config: { access: 'viewer' },
        schema: {
          tags: ['integrations'],
          summary: 'Channels the messaging connection can see, for picking where alerts and digests go',
          description:
            'Every page is read. `isMember` false means the app must be invited to the channel before it can post there.',
          params: z.strictObject({ name: namesWith(messaging) }),
          response: {
            200: z.object({ channels: z.array(channelSchema) }),
            404: errorSchema,
            502: errorSchema,
            ...errorResponses,
          },
        },
      },
      async (request) => ({
        channels: await listMessagingChannels(rt, actorOf(request).workspaceId, request.params.name),
      }),
    );
  }

  if (interactive.length > 0) {
    await app.register(async (inbound) => {
      // Scoped to this plugin: the signature covers the exact bytes, so they are kept raw.
      inbound.removeAllContentTypeParsers();
      inbound.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: INTERACTION_BODY_LIMIT },
        (_request, body, done) => done(null, body),
      );
      inbound.post(
        '/integrations/:name/interactions',
        {
          bodyLimit: INTERACTION_BODY_LIMIT,
          config: { access: 'public' },
          schema: {
            tags: ['integrations'],
            summary: "Receive a button press on an alert (the app's interactivity Request URL)",
            description:
              "Public (the service cannot sign in): authenticated by the request signature, checked with each connection's signing secret over the raw body with a 5-minute tolerance. Unverified → 401 and nothing is recorded. A verified press records the person's verdict (useful, not useful, snooze) and updates the message.",
            params: z.strictObject({ name: namesWith(interactive) }),
            response: {
              200: z.object({ ok: z.literal(true), recorded: z.boolean(), messageUpdated: z.boolean() }),
              400: errorSchema,
              401: errorSchema,
              404: errorSchema,
            },
          },
        },
        async (request: FastifyRequest<{ Params: { name: string } }>) => {
          const body = request.body;
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(request.headers)) {
            headers[name.toLowerCase()] = Array.isArray(value) ? value[0] : value;
          }
          return acceptInteraction(rt, {
            integration: request.params.name,
            body: Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : ''),
            headers,
          });
        },
      );
    });
  }
};
