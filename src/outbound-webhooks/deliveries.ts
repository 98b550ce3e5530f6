import type { Kysely } from 'kysely';
import { z } from 'zod';
import { conflict, notFound } from '../core/errors.js';
import { timeOrderedId } from '../core/ids.js';
import type { DB, WebhookAttemptsTable, WebhookDeliveriesTable } from '../db/index.js';
import { webhookBody } from './events.js';

export const DELIVERY_STATUSES = ['pending', 'sending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event to one endpoint, as the delivery log shows it. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  /** The `webhook-id` header, the same on every attempt. */
  messageId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** One HTTP request of a delivery. */
export interface WebhookAttempt {
  attempt: number;
  trigger: 'auto' | 'manual';
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  nextAttemptAt: string | null;
}

export const toDelivery = (row: WebhookDeliveriesTable): WebhookDelivery => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  eventType: row.event_type,
  messageId: row.message_id,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  deliveredAt: row.delivered_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toAttempt = (row: Omit<WebhookAttemptsTable, 'id'>): WebhookAttempt => ({
  attempt: row.attempt,
  trigger: row.trigger === 'manual' ? 'manual' : 'auto',
  startedAt: row.started_at,
  durationMs: row.duration_ms,
  statusCode: row.status_code,
  error: row.error,
  responseBody: row.response_body,
  nextAttemptAt: row.next_attempt_at,
});

/** An event as a delivery carries it. */
export interface WebhookEvent {
  /** Unique per event (the outbox id, or `test_…`): with the endpoint, the delivery's identity. */
  id: string;
  type: string;
  occurredAt: string;
  data: unknown;
}

/**
 * Queue `event` for `endpointId`, due at once. A second call for the same (endpoint, event) —
 * another worker that read the same outbox row — adds nothing and answers null.
 */
export async function createDelivery(
  db: Kysely<DB>,
  workspaceId: string,
  endpointId: string,
  event: WebhookEvent,
  now: Date,
): Promise<string | null> {
  const id = timeOrderedId();
  const at = now.toISOString();
  const result = await db
    .insertInto('webhook_deliveries')
    .values({
      id,
      workspace_id: workspaceId,
      endpoint_id: endpointId,
      event_id: event.id,
      event_type: event.type,
      message_id: `msg_${id.replaceAll('-', '')}`,
      body: webhookBody(event.type, event.occurredAt, event.data),
      status: 'pending',
      attempts: 0,
      next_attempt_at: at,
      lease_until: null,
      last_status_code: null,
      last_error: null,
      delivered_at: null,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0 ? id : null;
}

export const deliveryQuery = z.strictObject({
  endpointId: z.string().min(1).max(200).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().max(200).optional().describe('a delivery id: list older ones (paging)'),
});
export type DeliveryQuery = z.infer<typeof deliveryQuery>;

/** A workspace's deliveries, newest first. */
export async function listDeliveries(
  db: Kysely<DB>,
  workspaceId: string,
  q: DeliveryQuery,
): Promise<WebhookDelivery[]> {
  let query = db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.endpointId) query = query.where('endpoint_id', '=', q.endpointId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.before) query = query.where('id', '<', q.before);
  return (await query.execute()).map(toDelivery);
}

async function deliveryRow(db: Kysely<DB>, workspaceId: string, id: string) {
  const row = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(`Webhook delivery ${id.slice(0, 80)}`);
  return row;
}

/** One delivery with the body it sends and every attempt, first to last. */
export async function findDelivery(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
): Promise<WebhookDelivery & { body: string; attemptLog: WebhookAttempt[] }> {
  const row = await deliveryRow(db, workspaceId, id);
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('delivery_id', '=', id)
    .orderBy('id')
    .execute();
  return { ...toDelivery(row), body: row.body, attemptLog: attempts.map(toAttempt) };
}

/**
 * Make a delivery due now again (manual redelivery): a failed or delivered one re-enters the queue
 * with the same `webhook-id` and body; 409 while an attempt is in flight.
 */
export async function requestRedelivery(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  now: Date,
): Promise<WebhookDelivery> {
  const row = await deliveryRow(db, workspaceId, id);
  const at = now.toISOString();
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: at, lease_until: null, updated_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', '!=', 'sending')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    throw conflict('This delivery is being sent right now; wait for the attempt to finish, then redeliver.', {
      status: row.status,
    });
  }
  return toDelivery(await deliveryRow(db, workspaceId, id));
}

/** How long finished deliveries (and their attempt log) are kept. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;

/**
 * Delete deliveries that finished (succeeded or failed) more than 30 days ago, with their attempts,
 * a batch at a time (the dispatch calls it every minute). Pending ones are never deleted.
 *
 * @returns how many deliveries were deleted
 */
export async function pruneDeliveries(db: Kysely<DB>, now: Date, batch = 1_000): Promise<number> {
  const before = new Date(now.getTime() - DELIVERY_RETENTION_MS).toISOString();
  const old = await db
    .selectFrom('webhook_deliveries')
    .select(['workspace_id', 'id'])
    .where('status', 'in', ['succeeded', 'failed'])
    .where('updated_at', '<', before)
    .limit(batch)
    .execute();
  if (old.length === 0) return 0;
  const ids = old.map((d) => d.id);
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
    await trx.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
  });
  return ids.length;
}
