/**
 * Attio's wire shapes as Beton reads them (https://docs.attio.com/rest-api). Only what Beton uses is
 * typed; record payloads are stored as Attio sends them.
 */

/** `GET /v2/self`: flat. An inactive token answers `{active: false}` and nothing else. */
export interface AttioSelf {
  active: boolean;
  workspace_id?: string;
  workspace_name?: string;
  workspace_slug?: string;
  scope?: string;
  [field: string]: unknown;
}

export interface AttioObject {
  id: { workspace_id: string; object_id: string };
  api_slug: string | null;
  singular_noun: string | null;
  plural_noun: string | null;
  created_at: string;
}

export interface AttioAttribute {
  id: { workspace_id: string; object_id: string; attribute_id: string };
  title: string;
  api_slug: string;
  type: string;
  is_multiselect: boolean;
  is_unique: boolean;
  is_writable: boolean;
  is_system_attribute: boolean;
  [field: string]: unknown;
}

/** The body of `POST /v2/objects/{object}/attributes` (inside `data`). */
export interface AttioAttributeInput {
  title: string;
  api_slug: string;
  type: string;
  description: string | null;
  is_required: boolean;
  is_unique: boolean;
  is_multiselect: boolean;
  config: Record<string, unknown>;
}

/** Who wrote a value: `workspace-member` is a person. */
export interface AttioActor {
  type: 'workspace-member' | 'api-token' | 'system' | 'app' | null;
  id: string | null;
}

/** One value of an attribute: common fields plus the type's own (`value`, `domain`, `option`, …). */
export interface AttioValue {
  active_from: string;
  active_until: string | null;
  created_by_actor: AttioActor;
  attribute_type: string;
  value?: unknown;
  domain?: string;
  email_address?: string;
  option?: { title: string } | null;
  full_name?: string;
  currency_value?: number;
  [field: string]: unknown;
}

export interface AttioRecord {
  id: { workspace_id: string; object_id: string; record_id: string };
  created_at: string;
  web_url?: string;
  values: Record<string, AttioValue[]>;
}

/** `GET /v2/workspace_members`: the people with a seat, whom actor references (an owner) name. */
export interface AttioWorkspaceMember {
  id: { workspace_id: string; workspace_member_id: string };
  first_name: string;
  last_name: string;
  avatar_url: string | null;
  email_address: string;
  created_at: string;
  access_level: 'admin' | 'member' | 'suspended';
}

export interface AttioQuery {
  filter?: Record<string, unknown>;
  sorts?: { attribute: string; direction: 'asc' | 'desc'; field?: string }[];
  limit?: number;
  offset?: number;
}

export interface AttioNoteInput {
  parent_object: string;
  parent_record_id: string;
  title: string;
  format: 'plaintext' | 'markdown';
  content: string;
}

export interface AttioNote {
  id: { workspace_id: string; note_id: string };
  parent_object: string;
  parent_record_id: string;
  title: string;
  content_plaintext: string;
  created_by_actor: AttioActor;
  created_at: string;
}

export interface AttioList {
  id: { workspace_id: string; list_id: string };
  api_slug: string;
  name: string;
  parent_object: string[];
}

export interface AttioEntry {
  id: { workspace_id: string; list_id: string; entry_id: string };
  parent_record_id: string;
  parent_object: string;
  created_at: string;
  entry_values: Record<string, AttioValue[]>;
}
