import type { Generated } from 'kysely';
import type { Bool, Timestamp } from './core.js';

/** Outbound webhooks (src/outbound-webhooks): endpoints, deliveries and their attempts. */

/** A URL a workspace sends signed events to. `event_types` is a JSON array of event types. */
export interface WebhookEndpointsTable {
  id: string;
  workspace_id: string;
  url: string;
  description: string;
  event_types: string;
  enabled: Bool;
  /** Keyring ciphertext of the `whsec_…` secret. */
  secret_enc: string;
  /** The secret's last 4 characters, shown in place of it. */
  secret_hint: string;
  /** The secret before the last rotation, still signing beside the new one until it expires. */
  previous_secret_enc: string | null;
  previous_secret_expires_at: Timestamp | null;
  /** The first failed attempt since the last success (null while deliveries succeed). */
  failing_since: Timestamp | null;
  disabled_at: Timestamp | null;
  /** Why Beton disabled the endpoint (shown in the app); null when enabled or disabled by a person. */
  disabled_reason: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One event to one endpoint: its body (signed identically on every attempt) and where it stands. */
export interface WebhookDeliveriesTable {
  id: string;
  workspace_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  /** The `webhook-id` header: the same on every attempt, so receivers can drop repeats. */
  message_id: string;
  body: string;
  /** pending | sending | succeeded | failed */
  status: string;
  attempts: number;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One HTTP request of a delivery and what came back (the body truncated). */
export interface WebhookAttemptsTable {
  id: Generated<number>;
  workspace_id: string;
  delivery_id: string;
  endpoint_id: string;
  attempt: number;
  /** auto (the schedule) | manual (redelivery) */
  trigger: string;
  started_at: Timestamp;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  /** When the schedule tries again after this attempt (null: succeeded, or no more tries). */
  next_attempt_at: Timestamp | null;
}

export interface OutboundWebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
