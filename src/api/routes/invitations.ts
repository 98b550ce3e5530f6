import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  acceptInvitation,
  attemptKey,
  consumeAttempt,
  INVITATION_LIMIT,
  listInvitations,
  previewInvitation,
  revokeInvitation,
  signUpPolicy,
} from '../../auth/index.js';
import { AppError } from '../../core/errors.js';
import type { Runtime } from '../../runtime/index.js';
import { actorOf, optionalSessionUser } from '../plugins/auth.js';
import { rejectDuplicateJsonKeys } from '../plugins/strict-json.js';
import { errorResponses, errorSchema, idParams, invitationSchema, roleSchema } from '../schemas.js';

const tokenSchema = z.string().min(1).max(200);

/** Public invitation calls are limited per client address (tokens are unguessable; this keeps it so). */
async function limitByAddress(rt: Runtime, ip: string) {
  if (!(await consumeAttempt(rt.db, attemptKey('invitation', ip), INVITATION_LIMIT, rt.clock.now()))) {
    throw new AppError(
      429,
      'rate_limited',
      'Too many invitation attempts from this address. Wait a minute, then try again.',
    );
  }
}

/**
 * Invitations: admins list and revoke the pending ones (they are created by `POST /members`); the
 * invitee looks one up and accepts it by its token, signed in as the invited e-mail or creating
 * that account with their own password. Also whether sign-up is open, for the sign-up page.
 */
export const invitationRoutes: FastifyPluginAsyncZod = async (app) => {
  rejectDuplicateJsonKeys(app);

  app.get(
    '/invitations',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Pending invitations, newest first',
        response: { 200: z.object({ invitations: z.array(invitationSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ invitations: await listInvitations(app.runtime, actorOf(request).workspaceId) }),
  );

  app.delete(
    '/invitations/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['members'],
        summary: 'Revoke a pending invitation (its link stops working)',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeInvitation(app.runtime, actorOf(request), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/invitations/lookup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['members'],
        summary: 'What an invitation link offers (by its token)',
        body: z.strictObject({ token: tokenSchema }),
        response: {
          200: z.object({
            invitation: z.object({
              workspace: z.object({ id: z.string(), name: z.string() }),
              email: z.string(),
              role: roleSchema,
              expiresAt: z.string(),
              hasAccount: z.boolean(),
            }),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      await limitByAddress(app.runtime, request.ip);
      return { invitation: await previewInvitation(app.runtime, request.body.token) };
    },
  );

  app.post(
    '/invitations/accept',
    {
      config: { access: 'public' },
      schema: {
        tags: ['members'],
        summary: 'Accept an invitation: signed in as the invited e-mail, or creating that account',
        description:
          'With a session: joins the workspace if the session is the invited e-mail (403 otherwise). Without one: creates the account with `password` (and `name`) and signs it in; 409 `sign_in_required` when that e-mail already has an account. The token works once.',
        body: z.strictObject({
          token: tokenSchema,
          name: z.string().trim().min(1).max(100).optional(),
          password: z.string().min(10).max(256).optional(),
        }),
        response: {
          200: z.object({
            workspace: z.object({ id: z.string() }),
            role: roleSchema,
            createdAccount: z.boolean(),
          }),
          404: errorSchema,
          409: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const rt = app.runtime;
      await limitByAddress(rt, request.ip);
      const user = await optionalSessionUser(rt, request, reply);
      const { token, name, password } = request.body;
      const accepted = await acceptInvitation(rt, token, {
        user,
        ...(name ? { name } : {}),
        ...(password ? { password } : {}),
      });
      if (accepted.createdAccount && password) {
        // Sign the new account in, as sign-up does.
        const { headers } = await rt.auth.api.signInEmail({
          body: { email: accepted.email, password },
          returnHeaders: true,
        });
        const cookies = headers.getSetCookie();
        if (cookies.length > 0) reply.header('set-cookie', cookies);
      }
      return {
        workspace: { id: accepted.workspaceId },
        role: accepted.member.role,
        createdAccount: accepted.createdAccount,
      };
    },
  );

  app.get(
    '/signup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['account'],
        summary: 'Whether anyone may create an account here (else people join by invitation)',
        response: { 200: z.object({ open: z.boolean() }), ...errorResponses },
      },
    },
    async () => ({ open: (await signUpPolicy(app.runtime.db, app.runtime.config)).open }),
  );
};
