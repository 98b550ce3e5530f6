import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ACCOUNT_SIGN_IN_LIMIT,
  attemptKey,
  clearAttempts,
  consumeAttempt,
  MAX_EMAIL_LENGTH,
  SIGN_UP_CLOSED_MESSAGE,
  signUpPolicy,
} from '../../auth/index.js';
import type { Runtime } from '../../runtime/index.js';

/** What the guard decided: refused (the reply was sent), or go on (with a hook for the answer). */
export type GuardResult = { refused: true } | { refused: false; after: (status: number) => Promise<void> };

const NOTHING_AFTER = async () => {};

/** better-auth's own error shape, so its client shows the message like any other of its errors. */
function refuse(reply: FastifyReply, status: number, code: string, message: string): GuardResult {
  reply.status(status).send({ code, message });
  return { refused: true };
}

const emailOf = (body: unknown): unknown =>
  body && typeof body === 'object' ? (body as { email?: unknown }).email : undefined;

/**
 * Beton's rules in front of better-auth's sign-up and sign-in, checked before the request reaches
 * it:
 * - sign-up only while the installation's policy is open (`BETON_SIGNUP`, `beton signup`, or
 *   "until the first workspace exists"); everyone else joins by invitation;
 * - no e-mail address over 254 characters;
 * - at most `ACCOUNT_SIGN_IN_LIMIT` sign-in attempts per account (normalised e-mail) per window,
 *   from any number of addresses; a successful sign-in clears the count.
 * better-auth still applies its per-address limit after this.
 *
 * @example
 * const guard = await guardAuthRequest(rt, '/sign-in/email', request, reply);
 * if (!guard.refused) await guard.after(response.status);
 */
export async function guardAuthRequest(
  rt: Runtime,
  path: string,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<GuardResult> {
  if (request.method !== 'POST') return { refused: false, after: NOTHING_AFTER };
  const signUp = path.startsWith('/sign-up/');
  const signIn = path.startsWith('/sign-in/');
  if (!signUp && !signIn) return { refused: false, after: NOTHING_AFTER };
  const email = emailOf(request.body);
  if (typeof email === 'string' && email.length > MAX_EMAIL_LENGTH) {
    return refuse(
      reply,
      400,
      'EMAIL_TOO_LONG',
      `An e-mail address has at most ${MAX_EMAIL_LENGTH} characters; check the address.`,
    );
  }
  if (signUp) {
    if (!(await signUpPolicy(rt.db, rt.config)).open)
      return refuse(reply, 403, 'SIGNUP_CLOSED', SIGN_UP_CLOSED_MESSAGE);
    return { refused: false, after: NOTHING_AFTER };
  }
  if (typeof email !== 'string') return { refused: false, after: NOTHING_AFTER };
  const key = attemptKey('sign-in', email.trim().toLowerCase());
  if (!(await consumeAttempt(rt.db, key, ACCOUNT_SIGN_IN_LIMIT, rt.clock.now()))) {
    reply.header('retry-after', String(ACCOUNT_SIGN_IN_LIMIT.window));
    return refuse(
      reply,
      429,
      'TOO_MANY_ATTEMPTS_FOR_ACCOUNT',
      `Too many sign-in attempts for this account. Wait ${ACCOUNT_SIGN_IN_LIMIT.window / 60} minutes, then try again.`,
    );
  }
  return {
    refused: false,
    after: async (status) => {
      if (status === 200) await clearAttempts(rt.db, key);
    },
  };
}
