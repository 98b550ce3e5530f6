import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  changeMemberRole,
  createInvitation,
  createMailer,
  listMembers,
  MAX_EMAIL_LENGTH,
  removeMember,
} from '../../auth/index.js';
import { actorOf, serverOrigin } from '../plugins/auth.js';
import { rejectDuplicateJsonKeys } from '../plugins/strict-json.js';
import { errorResponses, errorSchema, idParams, invitationSchema, roleSchema } from '../schemas.js';

const memberSchema = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
});

/**
 * Members of the caller's workspace and their roles (admin; only owners manage owners). Adding
 * someone invites them: they accept with their own account (see ./invitations.ts).
 */
export const memberRoutes: FastifyPluginAsyncZod = async (app) => {
  rejectDuplicateJsonKeys(app);
  const mailer = createMailer(app.runtime.config);
  app.addHook('onClose', async () => mailer.close());

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
        summary: 'Invite someone by email: they join with their own account through the returned link',
        description:
          'Creates a single-use invitation (7 days) and e-mails it when SMTP is configured. The link is in this answer only. The answer is the same whether or not the e-mail already has an account; nobody is added until they accept.',
        body: z.strictObject({ email: z.email().max(MAX_EMAIL_LENGTH), role: roleSchema }),
        response: {
          201: z.object({
            invitation: invitationSchema,
            url: z.string().describe('The invitation link (contains the token): shown once'),
            emailSent: z.boolean(),
          }),
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const created = await createInvitation(app.runtime, actorOf(request), request.body, {
        origin: serverOrigin(app.runtime, request),
        mailer,
        onMailError: (e) =>
          request.log.warn(
            { err: (e as Error).message },
            'invitation e-mail not sent; the link is in the answer',
          ),
      });
      return reply
        .status(201)
        .send({ invitation: created.invitation, url: created.url, emailSent: created.emailSent });
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
