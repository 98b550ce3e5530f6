import type { Generated } from 'kysely';
import type { Bool, JsonText, Timestamp } from './core.js';

/**
 * Accounts, signals and scores (src/accounts, src/signals, src/scoring). Usage is kept per UTC day
 * as an integer day number (days since 1970-01-01) so windows are integer ranges.
 */

/** One company, keyed by its domain. The id is derived from (workspace, domain): stable across rebuilds. */
export interface AccountsTable {
  id: string;
  workspace_id: string;
  domain: string;
  name: string;
  /** Which source named it (attio, posthog, apollo, stripe, domain). */
  name_source: string;
  signup_at: Timestamp | null;
  /** AccountHistory (src/accounts/facts.ts), rebuilt when the account's records change. */
  history_json: JsonText | null;
  history_hash: string | null;
  /** Set when a sync touched the account; cleared by the score run that scored it. */
  touched_at: Timestamp | null;
  /** Set when the touch may have changed the account's past (history replay needed). */
  replay_needed: Bool;
  link_count: number;
  /** The account's owner in a CRM (src/accounts/owners.ts): lower-cased e-mail, name, integration. */
  owner_email: string | null;
  owner_name: string | null;
  owner_source: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** How each identity-bearing source record resolved: to an account, or why not. */
export interface AccountLinksTable {
  workspace_id: string;
  integration: string;
  stream: string;
  external_id: string;
  account_id: string | null;
  /** linked | unresolved | unlinked (a person unlinked it) */
  status: string;
  /** group | company_domain | email_domain | metadata_domain | crm_domain | customer | person_email | group_key | manual */
  method: string;
  /** What the method keyed on (the customer id of an invoice, an email, a domain). */
  via: string | null;
  /** Competing candidates and why one won: shown to people resolving conflicts. */
  conflict_json: JsonText | null;
  payload_hash: string;
  linked_at: Timestamp;
}

/** A person's decision about one record: link it to an account, or (account_id null) keep it unlinked. */
export interface AccountLinkOverridesTable {
  workspace_id: string;
  integration: string;
  stream: string;
  external_id: string;
  account_id: string | null;
  actor_id: string | null;
  created_at: Timestamp;
}

/** PostHog group key → account, for usage rows (which carry only the group key). */
export interface AccountGroupKeysTable {
  workspace_id: string;
  group_key: string;
  account_id: string;
}

/** Typed daily usage per account, derived from `posthog/usage_daily` records. */
export interface UsageDailyTable {
  workspace_id: string;
  account_id: string;
  event: string;
  day: number;
  count: number;
  persons: number;
}

/** Lifetime bounds per account and event (first/last day with a count), kept with usage_daily. */
export interface UsageTotalsTable {
  workspace_id: string;
  account_id: string;
  event: string;
  first_day: number;
  last_day: number;
  total: number;
  /** First day `recent_json` covers. */
  recent_from: number | null;
  /** Recent daily counts as `[dayOffset, count, …]` from `recent_from` (zero days left out). */
  recent_json: string | null;
}

export interface SignalSettingsTable {
  workspace_id: string;
  signal_key: string;
  /** SignalOverride: enabled, weight, dedupeDays, params. */
  settings_json: JsonText;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface CustomSignalsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  direction: string;
  events_json: JsonText;
  operator: string;
  threshold: number;
  window_days: number;
  weight: number;
  enabled: Bool;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SignalOccurrencesTable {
  id: Generated<number>;
  workspace_id: string;
  account_id: string;
  signal_key: string;
  /** live (a score run saw it) | replay (the history replay reconstructed it) */
  origin: string;
  /** When the underlying thing happened. */
  occurred_at: Timestamp;
  first_seen_at: Timestamp;
  /** The last moment the condition was known to hold. */
  last_seen_at: Timestamp;
  /**
   * 1 while the condition still held at the account's last evaluation (nothing is written while it
   * keeps holding); 0 once it stopped. A re-detection within the dedupe window reopens it.
   */
  open: Bool;
  strength: number;
  evidence_json: JsonText;
  explanation: string;
  run_id: string | null;
}

export interface AccountScoresTable {
  workspace_id: string;
  account_id: string;
  health: number;
  expansion: number;
  churn_risk: number;
  fit: number | null;
  score: number;
  grade: string;
  top_signals_json: JsonText;
  explanation_json: JsonText;
  /** Comma-separated keys of the signals contributing now (`,a,b,` so a LIKE filter is exact). */
  signal_keys: string;
  /** Recent daily health as [day number, health] pairs: what health_score_decrease reads. */
  health_history_json: JsonText;
  row_hash: string;
  scored_at: Timestamp;
  run_id: string | null;
}

/** Daily scores as change points: a row for each day on which a score or the grade changed. */
export interface ScoreSnapshotsTable {
  workspace_id: string;
  account_id: string;
  day: string;
  health: number;
  expansion: number;
  churn_risk: number;
  fit: number | null;
  score: number;
  grade: string;
}

export interface ScoreRunsTable {
  id: string;
  workspace_id: string;
  /** running | succeeded | failed */
  status: string;
  /** full | incremental */
  mode: string;
  trigger: string;
  actor_id: string | null;
  stage: string | null;
  progress_json: JsonText;
  counts_json: JsonText;
  error: string | null;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  heartbeat_at: Timestamp;
  /** workspace id while running: a unique index makes it one run per workspace, across processes. */
  active_lock: string | null;
}

export interface ScoringStateTable {
  workspace_id: string;
  /** records.changed_at up to which records were ingested. */
  records_watermark: Timestamp | null;
  /** Moment of the first live score run: history before it is replayed, after it is live. */
  live_since: Timestamp | null;
  last_full_run_at: Timestamp | null;
  /** Hash of the signal configuration the replayed history was made with. */
  replay_signature: string | null;
  /** Last grid day of the stored backtest tallies. */
  backtest_until: string | null;
  /** ScoringSettings (ICP, half-life, …). */
  settings_json: JsonText;
  updated_at: Timestamp;
}

export interface BacktestResultsTable {
  workspace_id: string;
  signal_key: string;
  /** expansion | churn */
  outcome_class: string;
  fired_units: number;
  fired_hits: number;
  other_units: number;
  other_hits: number;
  precision: number | null;
  base_rate: number | null;
  lift: number | null;
  median_lead_days: number | null;
  support_accounts: number;
  lead_hist_json: JsonText;
  computed_at: Timestamp;
}

/** Each account's share of the backtest, so a re-score updates the totals by difference. */
export interface AccountBacktestTable {
  workspace_id: string;
  account_id: string;
  tallies_json: JsonText;
}

export interface ScoringTables {
  accounts: AccountsTable;
  account_links: AccountLinksTable;
  account_link_overrides: AccountLinkOverridesTable;
  account_group_keys: AccountGroupKeysTable;
  usage_daily: UsageDailyTable;
  usage_totals: UsageTotalsTable;
  signal_settings: SignalSettingsTable;
  custom_signals: CustomSignalsTable;
  signal_occurrences: SignalOccurrencesTable;
  account_scores: AccountScoresTable;
  score_snapshots: ScoreSnapshotsTable;
  score_runs: ScoreRunsTable;
  scoring_state: ScoringStateTable;
  backtest_results: BacktestResultsTable;
  account_backtest: AccountBacktestTable;
}
