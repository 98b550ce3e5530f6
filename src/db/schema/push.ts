import type { Generated } from 'kysely';
import type { Bool, JsonText, Timestamp } from './core.js';

/** One Apollo answer per workspace and domain; `found = 0` caches "Apollo knows nothing" too. */
export interface EnrichmentCacheTable {
  workspace_id: string;
  domain: string;
  found: Bool;
  organization_json: JsonText | null;
  fetched_at: Timestamp;
  run_id: string | null;
}

/** Credits and calls spent per workspace and calendar month (`YYYY-MM`, UTC): the cap reads it. */
export interface EnrichmentUsageTable {
  workspace_id: string;
  month: string;
  credits: number;
  calls: number;
}

export interface EnrichmentRunsTable {
  id: string;
  workspace_id: string;
  /** running | succeeded | partial | capped | failed */
  status: string;
  trigger: string;
  actor_id: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  domains_total: number;
  domains_fresh: number;
  domains_requested: number;
  calls: number;
  credits_spent: number;
  found: number;
  not_found: number;
  credit_cap: number | null;
  error: string | null;
  active_lock: string | null;
}

export interface PushRunsTable {
  id: string;
  workspace_id: string;
  destination: string;
  /** push | rollback */
  kind: string;
  /** running | succeeded | partial | failed */
  status: string;
  trigger: string;
  actor_type: string | null;
  actor_id: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  rollback_of: string | null;
  rolled_back_by: string | null;
  planned: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  skipped: number;
  notes: number;
  writes: number;
  attributes_created: number;
  error: string | null;
  active_lock: string | null;
}

/** What a run did to one record: the fields with before → after, and the state it replaced. */
export interface PushRunItemsTable {
  id: Generated<number>;
  workspace_id: string;
  run_id: string;
  record_key: string;
  account_id: string | null;
  record_id: string | null;
  /** create | update | restore */
  action: string;
  /** written | rejected | skipped */
  status: string;
  changes_json: JsonText;
  prev_state_json: JsonText | null;
  reason: string | null;
  created_at: Timestamp;
}

/** The last successful write per destination record: the base the next plan diffs against. */
export interface PushStateTable {
  workspace_id: string;
  destination: string;
  record_key: string;
  account_id: string | null;
  record_id: string | null;
  hash: string;
  values_json: JsonText;
  run_id: string;
  written_at: Timestamp;
}

/** Records the destination refused, with the reason; retried by the next run until resolved. */
export interface PushRejectsTable {
  workspace_id: string;
  destination: string;
  record_key: string;
  account_id: string | null;
  run_id: string;
  code: string;
  reason: string;
  attempts: number;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  resolved_at: Timestamp | null;
}

/** Notes written for signal occurrences, so each occurrence gets at most one note. */
export interface PushNotesTable {
  workspace_id: string;
  destination: string;
  signal_id: string;
  record_key: string;
  note_id: string;
  run_id: string;
  created_at: Timestamp;
}

export interface PushTables {
  enrichment_cache: EnrichmentCacheTable;
  enrichment_usage: EnrichmentUsageTable;
  enrichment_runs: EnrichmentRunsTable;
  push_runs: PushRunsTable;
  push_run_items: PushRunItemsTable;
  push_state: PushStateTable;
  push_rejects: PushRejectsTable;
  push_notes: PushNotesTable;
}
