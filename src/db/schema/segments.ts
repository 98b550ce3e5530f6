import type { Generated } from 'kysely';
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
  /** When an account last entered or left (an evaluation that changed nothing leaves it). */
  changed_at: Timestamp | null;
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

/** One sync of a segment to a destination's list, or the rollback of one (src/segments/list-sync). */
export interface SegmentListRunsTable {
  id: string;
  workspace_id: string;
  segment_id: string;
  destination: string;
  list_id: string | null;
  list_name: string;
  /** sync | rollback */
  kind: string;
  rollback_of: string | null;
  /** running | succeeded | partial | failed | rolled_back */
  status: string;
  added: number;
  removed: number;
  /** Members the destination has no company record for (not added). */
  missing: number;
  failed: number;
  error: string | null;
  created_by: string | null;
  /** manual (API, CLI, web) | auto (after a score run changed the segment) */
  trigger: Generated<string>;
  started_at: Timestamp;
  finished_at: Timestamp | null;
}

/** A list a segment keeps in sync by itself after each score run that changes its membership. */
export interface SegmentAutoListsTable {
  workspace_id: string;
  segment_id: string;
  destination: string;
  /** Null: the default name (`Beton: <segment name>`). */
  list_name: string | null;
  /** The segment's `changed_at` the last automatic sync started from ('' before any change); due while it differs. */
  synced_change_at: Timestamp | null;
  enabled_by: string | null;
  enabled_at: Timestamp;
}

/** One entry a list run added or removed (what its rollback undoes). */
export interface SegmentListItemsTable {
  workspace_id: string;
  run_id: string;
  /** add | remove */
  action: string;
  record_id: string;
  entry_id: string | null;
  account_id: string | null;
  domain: string | null;
  /** done | failed */
  status: string;
  error: string | null;
}

export interface SegmentTables {
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  account_facets: AccountFacetsTable;
  segment_list_runs: SegmentListRunsTable;
  segment_list_items: SegmentListItemsTable;
  segment_auto_lists: SegmentAutoListsTable;
}
