import type { Generated } from 'kysely';
import type { Bool, JsonText, Timestamp } from './core.js';

/** One synced object: the payload as the stream yielded it, with its hash for change detection. */
export interface RecordsTable {
  id: Generated<number>;
  workspace_id: string;
  connection_id: string;
  integration: string;
  stream: string;
  external_id: string;
  payload_json: JsonText;
  /** sha-1 hex of payload_json. */
  payload_hash: string;
  first_seen_at: Timestamp;
  /** Last time a sync wrote or (in a full pass) confirmed the record. */
  synced_at: Timestamp;
  /** Last time the payload or the deleted mark changed: what downstream reads "since". */
  changed_at: Timestamp;
  deleted_at: Timestamp | null;
}

/** The resumable position of one stream of one connection. */
export interface SyncStateTable {
  workspace_id: string;
  connection_id: string;
  integration: string;
  stream: string;
  /** The stream's own state after the last committed page; null = start from the beginning. */
  state_json: JsonText | null;
  /** `full` while a pass that started from scratch is under way (its end marks unseen records deleted). */
  pass: 'full' | 'incremental';
  pass_started_at: Timestamp | null;
  last_success_at: Timestamp | null;
  updated_at: Timestamp;
}

export type SyncRunStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled';

export interface SyncRunsTable {
  id: string;
  workspace_id: string;
  connection_id: string;
  integration: string;
  /** web (session cookie) | api (API key) | cli | schedule | pipeline | manual (tests, scaffolds) */
  trigger: string;
  status: SyncRunStatus;
  full_refresh: Bool;
  /** null = every stream. */
  requested_streams_json: JsonText | null;
  /** Per-stream breakdown: `Record<stream, StreamRunSummary>`. */
  streams_json: JsonText;
  pages: number;
  records_read: number;
  records_written: number;
  records_unchanged: number;
  records_deleted: number;
  records_rejected: number;
  current_stream: string | null;
  error: string | null;
  error_code: string | null;
  /** `RunWarning[]` (e.g. reconciliation drift). */
  warnings_json: JsonText;
  actor_id: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp;
  cancel_requested_at: Timestamp | null;
}

export interface SyncRejectsTable {
  id: Generated<number>;
  workspace_id: string;
  run_id: string;
  stream: string;
  external_id: string | null;
  reason: string;
  /** The start of the record, scrubbed of secrets. */
  payload_excerpt: string | null;
  created_at: Timestamp;
}

export interface SyncTables {
  records: RecordsTable;
  sync_state: SyncStateTable;
  sync_runs: SyncRunsTable;
  sync_rejects: SyncRejectsTable;
}
