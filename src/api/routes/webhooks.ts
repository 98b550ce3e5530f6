import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { acceptWebhook } from '../../sync/index.js';
import { errorResponses, errorSchema } from '../schemas.js';

/**
 * `POST /api/v1/webhooks/:integration/:connectionId`: signed deliveries for every integration
 * with the `webhook` capability (`/webhooks/<name>/<connectionId>`, the URL users configure at
 * the service). Public (a service cannot sign in), authenticated by the signature instead; the
 * body is kept raw because the signature covers its exact bytes.
 */
export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  // Scoped to this plugin: every other route keeps parsed JSON bodies.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/webhooks/:integration/:connectionId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['webhooks'],
        summary: 'Receive a signed event from an integration',
        description:
          "Point the service's webhook endpoint here (`/api/v1/webhooks/<integration>/<connectionId>`). The signature is checked with the connection's signing secret; a replayed event id is acknowledged and ignored; a signed delivery that is not an event is answered 400 and recorded.",
        params: z.object({
          integration: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'an integration name'),
          connectionId: z.string().min(1).max(100),
        }),
        response: {
          200: z.object({ received: z.literal(true), duplicate: z.boolean(), stored: z.boolean() }),
          400: errorResponses[400],
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : '');
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value[0] : value;
      }
      return acceptWebhook(app.runtime, {
        integration: request.params.integration,
        connectionId: request.params.connectionId,
        body: raw,
        headers,
      });
    },
  );
};
