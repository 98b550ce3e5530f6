import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addMember, changeMemberRole, listMembers, removeMember } from '../../auth/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams, roleSchema } from '../schemas.js';

const memberSchema = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
});

/** Members of the caller's workspace and their roles (admin; only owners manage owners). */
export const memberRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/members',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'List members',
        response: { 200: z.object({ members: z.array(memberSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ members: await listMembers(app.runtime, actorOf(request).workspaceId) }),
  );

  app.post(
    '/members',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Add a user by email (creating their account when a password is given)',
        body: z.strictObject({
          email: z.email(),
          role: roleSchema,
          password: z.string().min(10).max(256).optional(),
          name: z.string().trim().min(1).max(100).optional(),
        }),
        response: { 201: z.object({ member: memberSchema }), 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const member = await addMember(app.runtime, actorOf(request), request.body);
      return reply.status(201).send({ member });
    },
  );

  app.patch(
    '/members/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['members'],
        summary: "Change a member's role",
        params: idParams,
        body: z.strictObject({ role: roleSchema }),
        response: {
          200: z.object({ member: memberSchema }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => ({
      member: await changeMemberRole(app.runtime, actorOf(request), request.params.id, request.body.role),
    }),
  );

  app.delete(
    '/members/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Remove a member from the workspace',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, 409: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await removeMember(app.runtime, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
