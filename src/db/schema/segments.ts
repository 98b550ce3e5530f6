import type { Timestamp } from './core.js';

/** Saved segments and their membership over time (src/segments). */

/** A named, workspace-wide filter over accounts; `filter_json` is a SegmentFilter. */
export interface SegmentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  filter_json: string;
  /** Members after the last evaluation. */
  member_count: number;
  evaluated_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One stay of an account in a segment; `left_at` null while it is a member. */
export interface SegmentMembersTable {
  workspace_id: string;
  segment_id: string;
  account_id: string;
  entered_at: Timestamp;
  left_at: Timestamp | null;
}

/** Billing facets of an account derived from its history: what plan and billing filters read. */
export interface AccountFacetsTable {
  workspace_id: string;
  account_id: string;
  plan: string | null;
  /** trialing | active | past_due | canceled | other | none (no subscription) */
  billing_status: string;
  arr: number;
  history_hash: string | null;
  updated_at: Timestamp;
}

export interface SegmentTables {
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  account_facets: AccountFacetsTable;
}
