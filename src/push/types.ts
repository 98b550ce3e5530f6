/**
 * The push pipeline's vocabulary, independent of any one CRM. What a destination adapts to its
 * API lives with the capability (the integrations SDK's destination contract) and is re-exported
 * here; the plan, apply and rollback logic only ever sees these shapes.
 */

import type { FieldMapping, FieldPolicy, PushField, PushSignal, PushValue } from '../integrations/index.js';

export type {
  DestinationAttribute,
  DestinationAttributeType,
  DestinationRecord,
  FieldMapping,
  FieldPolicy,
  PushField,
  PushSignal,
  PushValue,
} from '../integrations/index.js';
export type { CurrentValue, ValueAuthor } from '../model/crm.js';

/** One account as the push sees it: where it goes (domain) and what to write. */
export interface PushAccount {
  accountId: string;
  /** The company domain: the identity Beton and the CRM agree on. */
  domain: string | null;
  name: string;
  fields: Partial<Record<PushField, PushValue>>;
  /** Signals that fired since the account was last pushed (for notes). */
  signals?: PushSignal[];
}

/** Where the push reads accounts from (the scores, once scoring exists). */
export interface PushSource {
  accounts(workspaceId: string): AsyncIterable<PushAccount[]>;
}

/** Every field policy, in the order the settings card offers them. */
export const FIELD_POLICIES: readonly FieldPolicy[] = ['always', 'only_if_empty', 'never_overwrite_human'];

/** A field change in a plan: what is there now and what Beton would write. */
export interface FieldChange {
  attribute: string;
  before: PushValue;
  after: PushValue;
}

/** A field Beton wanted to change and the policy kept as it is. */
export interface KeptField {
  attribute: string;
  current: PushValue;
  wanted: PushValue;
  reason: 'set_by_person' | 'not_empty';
}

export type PlanAction = 'create' | 'update' | 'unchanged' | 'reject';

/** The last successful write to one destination record. */
export interface LastWrite {
  key: string;
  accountId: string | null;
  recordId: string | null;
  hash: string;
  values: Record<string, PushValue>;
  runId: string;
  writtenAt: string;
}

export interface PlanItem {
  key: string;
  accountId: string;
  name: string;
  action: PlanAction;
  recordId: string | null;
  changes: FieldChange[];
  kept: KeptField[];
  /** Hash of every value Beton wants on the record (policy aside): the diff base next time. */
  hash: string;
  /** Everything Beton wants on the record, by attribute. */
  desired: Record<string, PushValue>;
  /** Why the record cannot be pushed (for `reject`). */
  reason?: string;
  /** The record was rejected by an earlier run and is being tried again. */
  retry?: { reason: string; attempts: number };
  /** The last successful write this item replaces (restored by a rollback). */
  previous: LastWrite | null;
  /** High-priority signals that get a note when notes are on. */
  notes: PushSignal[];
}

export interface AttributePlan {
  /** Attributes that will be created (missing in the destination). */
  create: FieldMapping[];
  /** Attributes that exist with a type Beton cannot write: the run refuses until fixed. */
  conflicts: { attribute: string; expected: string; actual: string }[];
}

export interface PushPlanSummary {
  accounts: number;
  creates: number;
  updates: number;
  unchanged: number;
  rejects: number;
  retries: number;
  keptFields: number;
  notes: number;
  /** Write calls the run would make (records, attributes and notes). */
  writes: number;
}

export interface PushPlan {
  destination: string;
  generatedAt: string;
  attributes: AttributePlan;
  summary: PushPlanSummary;
  items: PlanItem[];
}
