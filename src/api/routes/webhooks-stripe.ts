import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import Stripe from 'stripe';
import { z } from 'zod';
import { type ConnectionDeps, openConnectionById } from '../../connections/index.js';
import { AppError, notFound } from '../../core/errors.js';
import { missingWebhookSecret } from '../../integrations/stripe/index.js';
import { upsertRecord } from '../../sync/records.js';
import { errorResponses, errorSchema } from '../schemas.js';

/** Stripe's tolerance for the signature timestamp: older (or newer) than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The stream a Stripe object belongs to; other objects are acknowledged and not stored. */
const STREAM_OF_OBJECT: Record<string, string> = {
  customer: 'customers',
  subscription: 'subscriptions',
  invoice: 'invoices',
};

export interface WebhookOutcome {
  received: true;
  /** The event id was seen before (a replay or Stripe's retry): nothing was written. */
  duplicate: boolean;
  /** The object was written to records. */
  stored: boolean;
}

/**
 * Accept one Stripe webhook delivery for a connection: verify the signature over the raw body with
 * the connection's signing secret (300 s tolerance), ignore a replayed event id, and upsert the
 * object the event carries into `records` — unless a newer event for that object was applied already.
 * The dedupe row and the record are written in one transaction.
 *
 * @example
 * await acceptStripeWebhook(runtime, connectionId, rawBody, request.headers['stripe-signature']);
 */
export async function acceptStripeWebhook(
  deps: ConnectionDeps,
  connectionId: string,
  rawBody: Buffer,
  signature: string | undefined,
): Promise<WebhookOutcome> {
  const db = deps.db.kysely;
  // The one lookup not scoped by workspace: the connection id in the URL is what names the workspace.
  const row = await db
    .selectFrom('connections')
    .select(['workspace_id', 'integration'])
    .where('id', '=', connectionId)
    .executeTakeFirst();
  if (row?.integration !== 'stripe') throw notFound(`Stripe connection ${connectionId}`);
  const workspaceId = row.workspace_id;
  const open = await openConnectionById(deps, workspaceId, connectionId, { allowErrored: true });
  const secret = open.credentials.webhookSecret;
  if (typeof secret !== 'string' || secret === '') throw missingWebhookSecret();
  if (!signature) {
    throw new AppError(
      400,
      'invalid_signature',
      'The Stripe-Signature header is missing: only Stripe-signed deliveries are accepted.',
    );
  }
  const nowMs = deps.clock.now().getTime();
  let event: Stripe.Event;
  try {
    // `receivedAt` is in milliseconds: the age check runs on Beton's clock.
    event = Stripe.webhooks.constructEvent(
      rawBody,
      signature,
      secret,
      WEBHOOK_TOLERANCE_SECONDS,
      undefined,
      nowMs,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'verification failed';
    throw new AppError(400, 'invalid_signature', `The Stripe signature did not verify: ${reason}`);
  }
  // Stripe's check looks at age only; a timestamp far ahead of our clock is refused too.
  const signedAt = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
  if (signedAt * 1000 > nowMs + WEBHOOK_TOLERANCE_SECONDS * 1000) {
    throw new AppError(
      400,
      'invalid_signature',
      'The Stripe signature did not verify: its timestamp is in the future.',
    );
  }

  const object = (event.data?.object ?? {}) as { id?: unknown; object?: unknown };
  const objectId = typeof object.id === 'string' ? object.id : null;
  const stream = typeof object.object === 'string' ? STREAM_OF_OBJECT[object.object] : undefined;
  const now = deps.clock.now().toISOString();

  return db.transaction().execute(async (trx) => {
    const newer = objectId
      ? await trx
          .selectFrom('webhook_events')
          .select('event_id')
          .where('workspace_id', '=', workspaceId)
          .where('connection_id', '=', connectionId)
          .where('object_id', '=', objectId)
          .where('applied', '=', 1)
          .where('event_created', '>', event.created)
          .executeTakeFirst()
      : undefined;
    const apply = stream !== undefined && objectId !== null && newer === undefined;
    const inserted = await trx
      .insertInto('webhook_events')
      .values({
        workspace_id: workspaceId,
        connection_id: connectionId,
        integration: 'stripe',
        event_id: event.id,
        event_type: event.type,
        object_id: objectId,
        event_created: event.created,
        applied: apply ? 1 : 0,
        received_at: now,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'connection_id', 'event_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      return { received: true, duplicate: true, stored: false };
    if (!apply) return { received: true, duplicate: false, stored: false };
    await upsertRecord(trx, workspaceId, {
      connectionId,
      integration: 'stripe',
      stream: stream!,
      externalId: objectId!,
      payload: event.data.object,
      now,
      deleted: event.type === 'customer.deleted',
    });
    return { received: true, duplicate: false, stored: true };
  });
}

/**
 * `POST /api/v1/webhooks/stripe/:connectionId`: Stripe's deliveries. Public (Stripe cannot sign
 * in), authenticated by the signature instead; the body is kept raw because the signature covers
 * its exact bytes.
 */
export const stripeWebhookRoutes: FastifyPluginAsyncZod = async (app) => {
  // Scoped to this plugin: every other route keeps parsed JSON bodies.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/webhooks/stripe/:connectionId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['webhooks'],
        summary: 'Receive a signed Stripe event',
        description:
          "Point a Stripe webhook endpoint here. The signature (Stripe-Signature header) is checked with the connection's webhookSecret; a replayed event id is acknowledged and ignored.",
        params: z.object({ connectionId: z.string().min(1).max(100) }),
        response: {
          200: z.object({ received: z.literal(true), duplicate: z.boolean(), stored: z.boolean() }),
          400: errorResponses[400],
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : '');
      const signature = request.headers['stripe-signature'];
      return acceptStripeWebhook(
        app.runtime,
        request.params.connectionId,
        raw,
        Array.isArray(signature) ? signature[0] : signature,
      );
    },
  );
};
