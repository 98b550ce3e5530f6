import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { drainOutbox, type OutboxEvent } from '../outbox/index.js';
import { createDelivery } from './deliveries.js';
import type { WebhookDeps } from './deps.js';
import { enqueueDelivery } from './engine.js';
import { WEBHOOK_EVENT_TYPES } from './events.js';

/** This module's cursor in the outbox. */
export const OUTBOX_CONSUMER = 'outbound-webhooks';

/**
 * The enabled endpoints of a workspace that subscribe to an event's type and existed when it
 * happened: a new endpoint does not receive the backlog of events from before it was added.
 */
async function subscribers(trx: Kysely<DB>, event: OutboxEvent): Promise<string[]> {
  const rows = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'event_types'])
    .where('workspace_id', '=', event.workspaceId)
    .where('enabled', '=', 1)
    .where('created_at', '<=', event.createdAt)
    .execute();
  return rows.filter((r) => (JSON.parse(r.event_types) as string[]).includes(event.type)).map((r) => r.id);
}

/**
 * Turn new outbox events into deliveries: one per subscribed, enabled endpoint, written in the
 * transaction that moves this consumer's cursor (a crash repeats the batch, and the unique
 * (endpoint, event) key keeps the repeat from doubling anything). The deliveries are queued as jobs
 * after the commit; one whose job is lost is picked up by the sweep.
 *
 * @returns how many deliveries were created
 */
export async function deliveriesFromOutbox(deps: WebhookDeps): Promise<number> {
  const created: Array<{ workspaceId: string; deliveryId: string }> = [];
  await drainOutbox(
    deps.db.kysely,
    OUTBOX_CONSUMER,
    async (events: OutboxEvent[], trx) => {
      const now = deps.clock.now();
      for (const event of events) {
        for (const endpointId of await subscribers(trx, event)) {
          const deliveryId = await createDelivery(
            trx,
            event.workspaceId,
            endpointId,
            { id: `outbox_${event.id}`, type: event.type, occurredAt: event.createdAt, data: event.payload },
            now,
          );
          if (deliveryId) created.push({ workspaceId: event.workspaceId, deliveryId });
        }
      }
    },
    { types: WEBHOOK_EVENT_TYPES },
  );
  for (const c of created) await enqueueDelivery(deps, { ...c, trigger: 'auto' }, { attempts: 0 });
  return created.length;
}
