import { randomBytes } from 'node:crypto';

/**
 * A Standard Webhooks signing secret: `whsec_` and the base64 of 24 random bytes (the bytes are the
 * HMAC key; receivers pass the whole string to `new Webhook(secret)`).
 *
 * @example
 * generateWebhookSecret(); // 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** What the app shows in place of a secret: its last 4 characters. */
export const secretHint = (secret: string): string => `whsec_…${secret.slice(-4)}`;
