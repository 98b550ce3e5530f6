import type { Timestamp } from './core.js';

/** A write key of an ingest connection: only its SHA-256 is stored; the key is shown once. */
export interface IngestKeysTable {
  id: string;
  workspace_id: string;
  connection_id: string;
  integration: string;
  /** Hex SHA-256 of the key. */
  key_hash: string;
  /** The key's first characters, to tell keys apart in lists. */
  key_prefix: string;
  created_at: Timestamp;
  created_by: string | null;
  revoked_at: Timestamp | null;
}

/** A message id accepted on a connection: the dedupe ledger (pruned after the retention window). */
export interface IngestMessagesTable {
  workspace_id: string;
  connection_id: string;
  message_id: string;
  received_at: Timestamp;
}

/** Calls received and rejected on an ingest connection. */
export interface IngestCountersTable {
  workspace_id: string;
  connection_id: string;
  received: number | string | bigint;
  duplicates: number | string | bigint;
  rejected: number | string | bigint;
  /** Accepted calls that named no account (no group known for their user). */
  unattributed: number | string | bigint;
  last_received_at: Timestamp | null;
  last_rejected_at: Timestamp | null;
  last_reject_reason: string | null;
}

export interface IngestTables {
  ingest_keys: IngestKeysTable;
  ingest_messages: IngestMessagesTable;
  ingest_counters: IngestCountersTable;
}
