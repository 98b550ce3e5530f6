import type { Generated } from 'kysely';
import type { Bool, JsonText, Timestamp } from './core.js';

/** The outbox (src/outbox) and alerts, feedback and digests (src/alerts). */

/** Something that happened, written in the transaction that made it happen; `id` only grows. */
export interface OutboxEventsTable {
  id: Generated<number>;
  workspace_id: string;
  /** signal.opened | signal.closed | account.grade_changed | push.completed | sync.failed */
  type: string;
  /** What it is about: an occurrence id, an account id, a run id. */
  subject: string;
  payload_json: JsonText;
  created_at: Timestamp;
}

/** How far each consumer (alerts, webhooks) has read the outbox. */
export interface OutboxCursorsTable {
  consumer: string;
  last_id: number;
  updated_at: Timestamp;
}

/** An alert rule; `rule_json` is an AlertRuleSpec. */
export interface AlertRulesTable {
  id: string;
  workspace_id: string;
  name: string;
  enabled: Bool;
  rule_json: JsonText;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One alert: a rule matched an occurrence's opening. */
export interface AlertsTable {
  id: string;
  workspace_id: string;
  rule_id: string;
  occurrence_id: number;
  /** The outbox event of the opening (a reopened occurrence is a new opening). */
  opening_event_id: number;
  account_id: string;
  signal_key: string;
  /** queued | sending | sent | failed | suppressed | digest */
  status: string;
  /** The service's error code when failed; why when suppressed (snoozed, cooldown, quiet…). */
  reason: string | null;
  error_message: string | null;
  target_json: JsonText | null;
  /** Where the sent message lives (to update it on feedback). */
  sent_json: JsonText | null;
  attempts: number;
  /** Not to be sent before (quiet hours, retry backoff). */
  not_before: Timestamp | null;
  /** A worker holds the send until then. */
  lease_until: Timestamp | null;
  /** The latest try's id, attached to the message so the try that posted it can be found. */
  send_attempt_id: Generated<string | null>;
  /** When the earliest try with an unknown outcome began (a lookup's start); null once known. */
  send_intent_at: Generated<Timestamp | null>;
  digest_run_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface AlertAttemptsTable {
  id: Generated<number>;
  workspace_id: string;
  alert_id: string;
  attempt: number;
  /** sent | recovered (found already posted) | retry | failed */
  status: string;
  error_code: string | null;
  error_message: string | null;
  retry_after_ms: number | null;
  at: Timestamp;
}

export interface AlertFeedbackTable {
  workspace_id: string;
  occurrence_id: number;
  actor_id: string;
  actor_name: string | null;
  alert_id: string;
  signal_key: string;
  account_id: string;
  /** useful | not_useful | snooze */
  verdict: string;
  created_at: Timestamp;
}

/** One account's alerts for one signal held until `until` (src/alerts/snooze.ts). */
export interface AlertSnoozesTable {
  workspace_id: string;
  account_id: string;
  signal_key: string;
  until: Timestamp;
  /** user | api_key | cli | chat (a button on an alert card); null only before migration 0025. */
  actor_type: string | null;
  /** A user's or API key's id, or the chat service's user id. */
  actor_id: string | null;
  /** How to name who snoozed, as it was when they did. */
  actor_name: string | null;
  note: string | null;
  created_at: Timestamp;
}

/** A scheduled digest; `digest_json` is a DigestSpec. */
export interface DigestsTable {
  id: string;
  workspace_id: string;
  name: string;
  enabled: Bool;
  digest_json: JsonText;
  /** The end of the last period covered (sent or empty). */
  last_period_end: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DigestRunsTable {
  id: string;
  workspace_id: string;
  digest_id: string;
  period_start: Timestamp;
  period_end: Timestamp;
  /** sent | empty | failed */
  status: string;
  summary_json: JsonText;
  error: string | null;
  created_at: Timestamp;
}

export interface AlertTables {
  outbox_events: OutboxEventsTable;
  outbox_cursors: OutboxCursorsTable;
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  alert_attempts: AlertAttemptsTable;
  alert_feedback: AlertFeedbackTable;
  alert_snoozes: AlertSnoozesTable;
  digests: DigestsTable;
  digest_runs: DigestRunsTable;
}
