import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../../runtime/index.js';
import { sendFetchResponse, toFetchRequest } from './fetch-bridge.js';

/**
 * better-auth's own endpoints (sign-up, sign-in, sign-out, session, organization management) at
 * `/api/auth/*`, bridged from Fastify to better-auth's Fetch handler. better-auth applies its own
 * origin check and the sign-in/sign-up rate limit (429 past the limit).
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
      const response = await rt.auth.handler(toFetchRequest(request, origin(request.protocol, request.host)));
      return sendFetchResponse(reply, response);
    },
  });
}
