import type { Generated } from 'kysely';
import type { Bool, Timestamp } from './core.js';

/** A webhook event Beton accepted (signature verified): the dedupe and ordering ledger. */
export interface WebhookEventsTable {
  workspace_id: string;
  connection_id: string;
  integration: string;
  event_id: string;
  event_type: string;
  /** The object the event carries (`cus_…`), when it has one. */
  object_id: string | null;
  /** The event's own creation time at the service (unix seconds). */
  event_created: number;
  /** 1 when its object was written to `records`; 0 when ignored (stale, or a type Beton does not store). */
  applied: Bool;
  received_at: Timestamp;
}

/** A correctly signed delivery refused as malformed (answered 400), with the reason. */
export interface WebhookRejectsTable {
  id: Generated<number>;
  workspace_id: string;
  connection_id: string;
  integration: string;
  reason: string;
  /** The start of the body, secrets scrubbed. */
  payload_excerpt: string | null;
  received_at: Timestamp;
}

/** The integration a workspace chose for a capability several connected integrations offer. */
export interface CapabilityProvidersTable {
  workspace_id: string;
  capability: string;
  integration: string;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface WebhookTables {
  webhook_events: WebhookEventsTable;
  webhook_rejects: WebhookRejectsTable;
  capability_providers: CapabilityProvidersTable;
}
