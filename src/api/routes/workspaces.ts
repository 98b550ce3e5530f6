import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createWorkspace, getWorkspace, listWorkspaces } from '../../auth/index.js';
import { forbidden } from '../../core/errors.js';
import { errorResponses, workspaceSchema } from '../schemas.js';

/** The caller's workspaces, and creating another (the creator becomes its owner). */
export const workspaceRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/workspaces',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['workspaces'],
        summary: 'Workspaces the caller belongs to (an API key sees its own)',
        response: { 200: z.object({ workspaces: z.array(workspaceSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      if (request.actor?.apiKeyId) {
        return { workspaces: [await getWorkspace(app.runtime, request.actor.workspaceId)] };
      }
      return { workspaces: await listWorkspaces(app.runtime, { userId: request.user!.id }) };
    },
  );

  app.post(
    '/workspaces',
    {
      config: { access: 'authenticated' },
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace owned by the signed-in user',
        body: z.strictObject({ name: z.string().trim().min(1).max(100) }),
        response: { 201: z.object({ workspace: workspaceSchema }), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (request.actor?.apiKeyId || !request.user) {
        throw forbidden('Workspaces are created by a signed-in user, not with an API key.');
      }
      const workspace = await createWorkspace(app.runtime, {
        name: request.body.name,
        ownerUserId: request.user.id,
      });
      return reply.status(201).send({ workspace });
    },
  );
};
