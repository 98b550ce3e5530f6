import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime/index.js';
import { guardAuthRequest } from './auth-guards.js';
import { sendFetchResponse, toFetchRequest } from './fetch-bridge.js';

/**
 * better-auth's own endpoints (sign-up, sign-in, sign-out, session, organization management) at
 * `/api/auth/*`, bridged from Fastify to better-auth's Fetch handler. Beton's guards come first
 * (closed sign-up, e-mail length, the per-account sign-in limit: `auth-guards.ts`); better-auth
 * then applies its own origin check and the per-address sign-in/sign-up limit (429 past it).
 *
 * @example
 * // POST /api/auth/sign-in/email {"email":"ada@acme.test","password":"…"} → Set-Cookie: beton.session_token=…
 */
export function registerBetterAuth(app: FastifyInstance, rt: Runtime) {
  const origin = (protocol: string, host: string) =>
    rt.config.BETON_PUBLIC_URL ? new URL(rt.config.BETON_PUBLIC_URL).origin : `${protocol}://${host}`;
  app.route({
    method: ['GET', 'POST'],
    url: '/api/auth/*',
    schema: { hide: true },
    handler: async (request, reply) => {
      const path = new URL(request.url, 'http://beton.invalid').pathname.slice('/api/auth'.length);
      const guard = await guardAuthRequest(rt, path, request, reply);
      if (guard.refused) return reply;
      const response = await rt.auth.handler(toFetchRequest(request, origin(request.protocol, request.host)));
      await guard.after(response.status);
      return sendFetchResponse(reply, response);
    },
  });
}
