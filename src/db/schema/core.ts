/** ISO-8601 UTC timestamp stored as text: sortable and identical on SQLite and Postgres. */
export type Timestamp = string;
/** JSON stored as text (parse with `fromJson`). */
export type JsonText = string;
/** 0/1 on both dialects. */
export type Bool = number;

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  user_id: string | null;
  name: string;
  /** Public lookup part, e.g. `beton_3fa9c1d2` (unique). */
  prefix: string;
  /** SHA-256 hex of the whole key. */
  hash: string;
  role: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface ConnectionsTable {
  id: string;
  workspace_id: string;
  integration: string;
  status: string;
  settings_json: JsonText;
  /** Keyring ciphertext of the credentials object. */
  secrets_enc: string | null;
  key_id: string | null;
  account_label: string | null;
  health_json: JsonText | null;
  last_validated_at: Timestamp | null;
  last_error: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  /** Random, time-ordered (`timeOrderedId`): sorts newest-last, reveals no global count. */
  id: string;
  workspace_id: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details_json: JsonText | null;
  created_at: Timestamp;
}

export interface CoreTables {
  api_keys: ApiKeysTable;
  connections: ConnectionsTable;
  audit_log: AuditLogTable;
}
