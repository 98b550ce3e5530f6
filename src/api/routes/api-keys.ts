import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/index.js';
import { actorOf } from '../plugins/auth.js';
import { rejectDuplicateJsonKeys } from '../plugins/strict-json.js';
import { errorResponses, errorSchema, idParams, roleSchema } from '../schemas.js';

const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  userId: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** API keys of the caller's workspace (admin). The secret is returned once, at creation. */
export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  rejectDuplicateJsonKeys(app);
  app.get(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'List API keys (never their secrets)',
        response: { 200: z.object({ apiKeys: z.array(apiKeySchema) }), ...errorResponses },
      },
    },
    async (request) => ({ apiKeys: await listApiKeys(app.runtime, actorOf(request).workspaceId) }),
  );

  app.post(
    '/api-keys',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key; `key` is shown only in this answer',
        body: z.strictObject({
          name: z.string().trim().min(1).max(100),
          role: roleSchema.optional().describe('Default member; at most your own role'),
        }),
        response: { 201: z.object({ apiKey: apiKeySchema, key: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await createApiKey(app.runtime, actorOf(request), request.body);
      return reply.status(201).header('cache-control', 'no-store').send({ apiKey, key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['api keys'],
        summary: 'Revoke an API key (by id or prefix)',
        params: idParams,
        response: { 200: z.object({ apiKey: apiKeySchema }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => ({ apiKey: await revokeApiKey(app.runtime, actorOf(request), request.params.id) }),
  );
};
