import { type ConnectionDeps, openConnectionById } from '../connections/index.js';
import { notFound } from '../core/errors.js';
import { scrubString } from '../core/redact.js';
import { MalformedWebhookEventError } from '../integrations/index.js';
import { upsertRecord } from './records.js';

/** What a delivery is answered with. */
export interface WebhookOutcome {
  received: true;
  /** The event id was seen before (a replay or the service's retry): nothing was written. */
  duplicate: boolean;
  /** The event's object was written to records. */
  stored: boolean;
}

/** One delivery as the HTTP layer received it. */
export interface WebhookDelivery {
  integration: string;
  connectionId: string;
  body: Buffer;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
}

/** How much of a refused body is kept with its reason. */
const EXCERPT_CHARS = 500;

/**
 * Accept one webhook delivery for a connection, for any integration with the `webhook`
 * capability: the integration verifies the signature over the raw body with the connection's
 * signing secret and maps the event; then a replayed event id is acknowledged and ignored, and the
 * record changes are written — unless a newer event for the same object was applied already. The
 * dedupe row and the records are written in one transaction. A correctly signed delivery that is
 * not an event is answered 400 and recorded in `webhook_rejects`.
 *
 * @example
 * await acceptWebhook(rt, { integration: 'acme', connectionId, body: rawBody, headers });
 */
export async function acceptWebhook(
  deps: ConnectionDeps,
  delivery: WebhookDelivery,
): Promise<WebhookOutcome> {
  const integration = deps.integrations.get(delivery.integration);
  const capability = integration?.webhook;
  const db = deps.db.kysely;
  // The one lookup not scoped by workspace: the connection id in the URL is what names the workspace.
  const row = await db
    .selectFrom('connections')
    .select(['workspace_id', 'integration'])
    .where('id', '=', delivery.connectionId)
    .executeTakeFirst();
  if (!integration || !capability || row?.integration !== integration.name) {
    throw notFound(
      integration && capability
        ? `${integration.displayName} connection ${delivery.connectionId}`
        : `Webhook endpoint for "${delivery.integration}" (no such integration receives webhooks)`,
    );
  }
  const workspaceId = row.workspace_id;
  const connectionId = delivery.connectionId;
  const open = await openConnectionById(deps, workspaceId, connectionId, { allowErrored: true });
  const secret = open.credentials[capability.secretField];
  if (typeof secret !== 'string' || secret === '') throw capability.missingSecret();

  let event: ReturnType<typeof capability.map>;
  try {
    const parsed = capability.verify({
      body: delivery.body,
      headers: delivery.headers,
      secret,
      now: deps.clock.now(),
    });
    event = capability.map(parsed);
  } catch (error) {
    if (error instanceof MalformedWebhookEventError) {
      await recordReject(
        deps,
        { workspaceId, connectionId, integration: integration.name },
        error,
        delivery.body,
      );
    }
    throw error;
  }
  const now = deps.clock.now().toISOString();

  return db.transaction().execute(async (trx) => {
    const newer = event.objectId
      ? await trx
          .selectFrom('webhook_events')
          .select('event_id')
          .where('workspace_id', '=', workspaceId)
          .where('connection_id', '=', connectionId)
          .where('object_id', '=', event.objectId)
          .where('applied', '=', 1)
          .where('event_created', '>', event.createdAt)
          .executeTakeFirst()
      : undefined;
    const apply = event.changes.length > 0 && newer === undefined;
    const inserted = await trx
      .insertInto('webhook_events')
      .values({
        workspace_id: workspaceId,
        connection_id: connectionId,
        integration: integration.name,
        event_id: event.id,
        event_type: event.type,
        object_id: event.objectId,
        event_created: event.createdAt,
        applied: apply ? 1 : 0,
        received_at: now,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'connection_id', 'event_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      return { received: true, duplicate: true, stored: false };
    if (!apply) return { received: true, duplicate: false, stored: false };
    for (const change of event.changes) {
      await upsertRecord(trx, workspaceId, {
        connectionId,
        integration: integration.name,
        stream: change.stream,
        externalId: change.externalId,
        payload: change.payload,
        now,
        deleted: change.deleted,
      });
    }
    return { received: true, duplicate: false, stored: true };
  });
}

async function recordReject(
  deps: ConnectionDeps,
  where: { workspaceId: string; connectionId: string; integration: string },
  error: MalformedWebhookEventError,
  body: Buffer,
): Promise<void> {
  const excerpt = scrubString(
    body
      .subarray(0, EXCERPT_CHARS * 4)
      .toString('utf8')
      .slice(0, EXCERPT_CHARS),
  );
  deps.logger.warn(
    { integration: where.integration, connectionId: where.connectionId, reason: error.message },
    'signed webhook delivery refused as malformed',
  );
  await deps.db.kysely
    .insertInto('webhook_rejects')
    .values({
      workspace_id: where.workspaceId,
      connection_id: where.connectionId,
      integration: where.integration,
      reason: error.message,
      payload_excerpt: excerpt,
      received_at: deps.clock.now().toISOString(),
    })
    .execute();
}

/** A refused delivery, newest first. */
export interface WebhookReject {
  id: number;
  integration: string;
  reason: string;
  payloadExcerpt: string | null;
  receivedAt: string;
}

/**
 * The deliveries a connection refused as malformed, newest first.
 *
 * @example
 * const rejects = await listWebhookRejects(rt.db.kysely, ws, connectionId);
 */
export async function listWebhookRejects(
  db: ConnectionDeps['db']['kysely'],
  workspaceId: string,
  connectionId: string,
  limit = 50,
): Promise<WebhookReject[]> {
  const rows = await db
    .selectFrom('webhook_rejects')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('connection_id', '=', connectionId)
    .orderBy('id', 'desc')
    .limit(Math.min(Math.max(limit, 1), 500))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    integration: r.integration,
    reason: r.reason,
    payloadExcerpt: r.payload_excerpt,
    receivedAt: r.received_at,
  }));
}
