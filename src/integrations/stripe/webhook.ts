/**
 * Stripe's webhook deliveries (https://docs.stripe.com/webhooks): the `Stripe-Signature` header
 * signs `timestamp.body` with the endpoint's secret (`whsec_…`); the event carries the changed
 * object in `data.object`. Customers, subscriptions and invoices are written to their streams'
 * records; other objects are acknowledged and not stored.
 */
import Stripe from 'stripe';
import { AppError } from '../../core/errors.js';
import {
  invalidSignature,
  malformedEvent,
  parseWebhookJson,
  type WebhookCapability,
  type WebhookEvent,
} from '../capabilities/webhook.js';

/** Stripe's tolerance for the signature timestamp: older (or newer) than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The stream a Stripe object belongs to; other objects are acknowledged and not stored. */
const STREAM_OF_OBJECT: Record<string, string> = {
  customer: 'customers',
  subscription: 'subscriptions',
  invoice: 'invoices',
};

/** Longest event id accepted (Stripe's are ~30 characters). */
const MAX_ID_LENGTH = 255;

/** The message a user sees when a webhook arrives for a connection without a signing secret. */
export const missingWebhookSecret = () =>
  new AppError(
    400,
    'webhook_secret_missing',
    'This Stripe connection has no webhook signing secret: add the credential webhookSecret (whsec_…) from the endpoint in the Stripe dashboard.',
  );

/**
 * Verify a delivery: the signature over the raw body with the connection's signing secret, within
 * 300 s of Beton's clock either way; then parse it.
 *
 * @example
 * const event = verifyStripeDelivery({ body, headers: { 'stripe-signature': sig }, secret, now: new Date() });
 */
export function verifyStripeDelivery({
  body,
  headers,
  secret,
  now,
}: Parameters<WebhookCapability['verify']>[0]) {
  const signature = headers['stripe-signature'];
  if (!signature) {
    throw new AppError(
      400,
      'invalid_signature',
      'The Stripe-Signature header is missing: only Stripe-signed deliveries are accepted.',
    );
  }
  const nowMs = now.getTime();
  try {
    // `receivedAt` is in milliseconds: the age check runs on Beton's clock.
    // The Node build always has the signature helper; a build without it would refuse every delivery.
    if (!Stripe.webhooks.signature) throw new Error('the Stripe library has no signature verifier');
    Stripe.webhooks.signature.verifyHeader(
      body,
      signature,
      secret,
      WEBHOOK_TOLERANCE_SECONDS,
      undefined,
      nowMs,
    );
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'verification failed';
    throw invalidSignature('Stripe', reason);
  }
  // Stripe's check looks at age only; a timestamp far ahead of our clock is refused too.
  const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
  if (signedAt * 1000 > nowMs + WEBHOOK_TOLERANCE_SECONDS * 1000) {
    throw invalidSignature('Stripe', 'its timestamp is in the future.');
  }
  return parseWebhookJson(body, 'Stripe');
}

/**
 * What a verified Stripe event changes: the object it carries, upserted into its stream (marked
 * deleted by `customer.deleted`).
 *
 * @example
 * mapStripeEvent({ id: 'evt_1', type: 'customer.updated', created: 1700000000, data: { object: { id: 'cus_1', object: 'customer' } } });
 * // { id: 'evt_1', objectId: 'cus_1', changes: [{ stream: 'customers', externalId: 'cus_1', deleted: false, … }], … }
 */
export function mapStripeEvent(parsed: unknown): WebhookEvent {
  const event = parsed as { id?: unknown; type?: unknown; created?: unknown; data?: unknown };
  if (typeof event.id !== 'string' || event.id === '' || event.id.length > MAX_ID_LENGTH) {
    throw malformedEvent('Stripe', `its "id" is ${describe(event.id)}, not an event id`);
  }
  if (typeof event.type !== 'string' || event.type === '') {
    throw malformedEvent('Stripe', `its "type" is ${describe(event.type)}, not an event type`);
  }
  if (typeof event.created !== 'number' || !Number.isSafeInteger(event.created)) {
    throw malformedEvent('Stripe', `its "created" is ${describe(event.created)}, not a unix time`);
  }
  const data = event.data as { object?: unknown } | null | undefined;
  const object = (
    data && typeof data === 'object' && data.object && typeof data.object === 'object' ? data.object : {}
  ) as { id?: unknown; object?: unknown };
  const objectId = typeof object.id === 'string' && object.id !== '' ? object.id : null;
  const stream = typeof object.object === 'string' ? STREAM_OF_OBJECT[object.object] : undefined;
  return {
    id: event.id,
    type: event.type,
    createdAt: event.created,
    objectId,
    changes:
      stream && objectId
        ? [{ stream, externalId: objectId, payload: object, deleted: event.type === 'customer.deleted' }]
        : [],
  };
}

const describe = (value: unknown) =>
  value === undefined
    ? 'missing'
    : value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : `a ${typeof value}`;

/** Stripe's `webhook` capability. */
export const stripeWebhook: WebhookCapability = {
  description:
    "Signed Stripe events keep customers, subscriptions and invoices fresh between syncs. Point a Stripe webhook endpoint at this URL; the signature (Stripe-Signature header) is checked with the connection's webhookSecret.",
  secretField: 'webhookSecret',
  missingSecret: missingWebhookSecret,
  verify: verifyStripeDelivery,
  map: mapStripeEvent,
};
