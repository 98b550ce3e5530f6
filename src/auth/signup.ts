import type { Config } from '../core/config.js';
import { badRequest } from '../core/errors.js';
import type { Db } from '../db/index.js';

export type SignUpSetting = 'open' | 'closed';

/** Whether anyone may create an account, and why (shown by `beton signup` and the web app). */
export interface SignUpPolicy {
  open: boolean;
  /** `env` (BETON_SIGNUP), `setting` (beton signup open|closed) or `first_workspace` (the default). */
  source: 'env' | 'setting' | 'first_workspace';
}

const SETTING_KEY = 'signup';

/**
 * The installation's sign-up policy. `BETON_SIGNUP` wins; else the stored setting
 * (`beton signup open|closed`); else sign-up is open only until the first workspace exists, so
 * the first person can set Beton up and everyone after joins by invitation.
 *
 * @example
 * if (!(await signUpPolicy(rt.db, rt.config)).open) throw forbidden('Ask a workspace admin for an invitation.');
 */
export async function signUpPolicy(db: Db, config: Pick<Config, 'BETON_SIGNUP'>): Promise<SignUpPolicy> {
  if (config.BETON_SIGNUP) return { open: config.BETON_SIGNUP === 'open', source: 'env' };
  const stored = await db.kysely
    .selectFrom('installation_settings')
    .select('value')
    .where('key', '=', SETTING_KEY)
    .executeTakeFirst();
  if (stored) return { open: stored.value === 'open', source: 'setting' };
  const workspace = await db.kysely.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
  return { open: workspace === undefined, source: 'first_workspace' };
}

/**
 * Store the installation's sign-up setting (`null` returns to the default). `BETON_SIGNUP`, when
 * set, still wins over it.
 *
 * @example
 * await setSignUpSetting(rt.db, 'open');
 */
export async function setSignUpSetting(db: Db, value: SignUpSetting | null, now = new Date()): Promise<void> {
  if (value === null) {
    await db.kysely.deleteFrom('installation_settings').where('key', '=', SETTING_KEY).execute();
    return;
  }
  await db.kysely
    .insertInto('installation_settings')
    .values({ key: SETTING_KEY, value, updated_at: now.toISOString() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now.toISOString() }))
    .execute();
}

/** What a person who may not sign up is told (the web app shows the same words). */
export const SIGN_UP_CLOSED_MESSAGE =
  'Sign-up is closed on this Beton installation. Ask a workspace admin for an invitation.';

/** The longest e-mail address accepted anywhere (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;

/**
 * An e-mail address trimmed and lower-cased, or 400 when it is longer than an address can be.
 *
 * @example
 * normaliseEmail(' Ada@Acme.test '); // 'ada@acme.test'
 */
export function normaliseEmail(email: string): string {
  const normalised = email.trim().toLowerCase();
  if (normalised.length > MAX_EMAIL_LENGTH) {
    throw badRequest(`An e-mail address has at most ${MAX_EMAIL_LENGTH} characters.`);
  }
  return normalised;
}
