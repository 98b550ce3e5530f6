import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getWorkspace } from '../../auth/index.js';
import { errorResponses, roleSchema, workspaceSchema } from '../schemas.js';

/** `GET /me`: who the caller is, and in which workspace with which role. */
export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/me',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['account'],
        summary: 'The caller, their workspace and role',
        response: {
          200: z.object({
            user: z.object({ id: z.string(), email: z.string(), name: z.string() }).nullable(),
            workspace: workspaceSchema.nullable(),
            role: roleSchema.nullable(),
            apiKeyId: z.string().nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const actor = request.actor;
      return {
        user: request.user,
        workspace: actor ? await getWorkspace(app.runtime, actor.workspaceId) : null,
        role: actor?.role ?? null,
        apiKeyId: actor?.apiKeyId ?? null,
      };
    },
  );
};
