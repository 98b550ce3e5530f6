/**
 * The push pipeline's vocabulary, independent of any one CRM. A destination (Attio first) adapts
 * these to its API; the plan, apply and rollback logic only ever sees these shapes.
 */

/** A value Beton writes: destinations map it to their own value format. `null` = empty. */
export type PushValue = string | number | boolean | null;

/** A Beton-side field an account carries, e.g. `beton_health`. */
export type PushField =
  | 'beton_health'
  | 'beton_expansion'
  | 'beton_churn_risk'
  | 'beton_fit'
  | 'beton_grade'
  | 'beton_top_signals'
  | 'beton_scored_at';

/** A signal occurrence the optional note feature can announce on the CRM record. */
export interface PushSignal {
  /** The occurrence id: one note per occurrence, ever. */
  id: string;
  key: string;
  title: string;
  priority: 'high' | 'medium' | 'low';
  firedAt: string;
  explanation: string;
}

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

/**
 * How a field may be written when the destination already holds a value:
 * - `always`: Beton's value wins;
 * - `only_if_empty`: write only into an empty field;
 * - `never_overwrite_human`: write unless the current value was set by a person (the default).
 */
export type FieldPolicy = 'always' | 'only_if_empty' | 'never_overwrite_human';
export const FIELD_POLICIES: readonly FieldPolicy[] = ['always', 'only_if_empty', 'never_overwrite_human'];

export type DestinationAttributeType = 'number' | 'text' | 'timestamp';

/** One mapped field: a Beton field to a destination attribute. */
export interface FieldMapping {
  field: PushField;
  /** The destination attribute's slug. */
  attribute: string;
  title: string;
  description: string;
  type: DestinationAttributeType;
  policy: FieldPolicy;
}

/** Who set a value in the destination. `person` is what `never_overwrite_human` protects. */
export type ValueAuthor = 'person' | 'integration' | 'system' | 'unknown';

export interface CurrentValue {
  value: PushValue;
  author: ValueAuthor;
}

/** What the destination holds for one record right now. */
export interface DestinationRecord {
  recordId: string;
  /** The matching key (the domain). */
  key: string;
  values: Record<string, CurrentValue | undefined>;
}

/** An attribute the destination already has. */
export interface DestinationAttribute {
  slug: string;
  type: string;
}

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
