import { z } from 'zod';

/**
 * The events an endpoint can subscribe to. They come from the outbox (src/outbox), written in the
 * same transaction as the change they announce; `webhook.test` is only ever sent by "send test event".
 */
export const WEBHOOK_EVENT_TYPES = [
  'signal.opened',
  'signal.closed',
  'account.grade_changed',
  'push.completed',
  'sync.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const TEST_EVENT_TYPE = 'webhook.test';

export const webhookEventType = z.enum(WEBHOOK_EVENT_TYPES);

/**
 * The JSON body of every delivery: `{ type, timestamp, data }`. `timestamp` is when the event
 * happened (ISO 8601), not when this attempt was sent (that is the `webhook-timestamp` header).
 *
 * @example
 * webhookBody('signal.opened', '2026-12-07T12:00:00.000Z', { accountId: 'a1' });
 * // '{"type":"signal.opened","timestamp":"2026-12-07T12:00:00.000Z","data":{"accountId":"a1"}}'
 */
export function webhookBody(type: string, timestamp: string, data: unknown): string {
  return JSON.stringify({ type, timestamp, data });
}
