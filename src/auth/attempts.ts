import { sha256Hex } from '../core/crypto.js';
import type { Db } from '../db/index.js';

/** A fixed window: at most `max` attempts per `window` seconds. */
export interface AttemptLimit {
  window: number;
  max: number;
}

/** Sign-in attempts allowed per account (normalised e-mail) per window, whatever the address. */
export const ACCOUNT_SIGN_IN_LIMIT: AttemptLimit = { window: 15 * 60, max: 10 };

/** Invitation look-ups and acceptances allowed per client address per window. */
export const INVITATION_LIMIT: AttemptLimit = { window: 60, max: 20 };

/** The counter key for a subject: hashed, so the table lists no e-mail addresses. */
export const attemptKey = (kind: string, subject: string) => `${kind}:${sha256Hex(subject)}`;

/**
 * Count one attempt against `key` and say whether it is within the limit. One statement (an
 * upsert that restarts an expired window), so parallel attempts on several servers cannot all
 * slip under the limit.
 *
 * @example
 * const ok = await consumeAttempt(db, attemptKey('sign-in', 'ada@acme.test'), ACCOUNT_SIGN_IN_LIMIT);
 * if (!ok) reply.status(429);
 */
export async function consumeAttempt(db: Db, key: string, limit: AttemptLimit, now = new Date()) {
  const start = now.toISOString();
  const expired = new Date(now.getTime() - limit.window * 1000).toISOString();
  const row = await db.kysely
    .insertInto('auth_attempts')
    .values({ key, count: 1, window_start: start })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => ({
        count: eb
          .case()
          .when('auth_attempts.window_start', '<=', expired)
          .then(1)
          .else(eb('auth_attempts.count', '+', 1))
          .end(),
        window_start: eb
          .case()
          .when('auth_attempts.window_start', '<=', expired)
          .then(start)
          .else(eb.ref('auth_attempts.window_start'))
          .end(),
      })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  return Number(row.count) <= limit.max;
}

/**
 * Forget the attempts counted against `key` (after a successful sign-in, so a person who mistyped
 * a few times starts afresh).
 */
export async function clearAttempts(db: Db, key: string): Promise<void> {
  await db.kysely.deleteFrom('auth_attempts').where('key', '=', key).execute();
}
