/**
 * Outbound webhooks: endpoints a workspace registers, events from the outbox signed per Standard
 * Webhooks and delivered through the job queue with retries over ~27 hours, a delivery log, manual
 * redelivery, test events, and automatic disabling after 5 days of failure.
 */
export {
  createDelivery,
  DELIVERY_RETENTION_MS,
  DELIVERY_STATUSES,
  type DeliveryQuery,
  type DeliveryStatus,
  deliveryQuery,
  findDelivery,
  listDeliveries,
  pruneDeliveries,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookEvent,
} from './deliveries.js';
export type { WebhookDeps } from './deps.js';
export {
  createEndpoint,
  deleteEndpoint,
  type EndpointInput,
  type EndpointPatch,
  endpointInput,
  endpointPatch,
  findEndpoint,
  listEndpoints,
  PREVIOUS_SECRET_GRACE_MS,
  rotateEndpointSecret,
  updateEndpoint,
  type WebhookEndpoint,
} from './endpoints.js';
export {
  attemptDelivery,
  type DeliverPayload,
  deliverDue,
  dueDeliveries,
  redeliver,
  sendTestEvent,
  sweepDueDeliveries,
  WEBHOOK_DELIVER_JOB,
} from './engine.js';
export { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookEventType, webhookBody } from './events.js';
export { dispatchOnOutboxCommit, registerOutboundWebhookJobs, WEBHOOK_DISPATCH_JOB } from './jobs.js';
export { deliveriesFromOutbox, OUTBOX_CONSUMER } from './outbox.js';
export {
  ATTEMPT_TIMEOUT_MS,
  DISABLE_AFTER_FAILING_MS,
  MAX_ATTEMPTS,
  nextAttemptAt,
  RETRY_DELAYS_MS,
} from './schedule.js';
export { generateWebhookSecret } from './secrets.js';
export { type AttemptOutcome, postSigned, signedHeaders } from './send.js';
