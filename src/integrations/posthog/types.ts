/** PostHog's answers as Beton reads them (fields Beton does not use are kept in the payload as sent). */

export interface PostHogUser {
  uuid: string;
  email: string;
  first_name?: string;
  organization?: { id: string; name: string } | null;
  team?: { id: number; name: string } | null;
}

export interface PostHogProject {
  id: number;
  uuid?: string;
  name: string;
  organization?: string;
  timezone?: string;
}

export interface PostHogGroupType {
  group_type: string;
  group_type_index: number;
  name_singular: string | null;
  name_plural: string | null;
}

export interface PostHogGroup {
  group_type_index: number;
  group_key: string;
  group_properties: Record<string, unknown>;
  created_at: string;
}

export interface PostHogPerson {
  id: string;
  uuid: string;
  distinct_ids: string[];
  properties: Record<string, unknown>;
  created_at: string;
  last_seen_at?: string | null;
}

export interface PostHogEventDefinition {
  id?: string;
  name: string;
  last_seen_at: string | null;
  volume_30_day?: number | null;
}

export interface PostHogQueryResponse {
  columns: string[];
  types?: string[];
  results: unknown[][];
  hasMore?: boolean;
  limit?: number;
  offset?: number;
}

/** One `usage_daily` record: a company (group key) × UTC day × event. */
export interface UsageDailyRecord {
  group_key: string;
  day: string;
  /** `$pageview`, `$pageview:/pricing`, `$pageview:/upgrade`, or the event's name. */
  event: string;
  count: number;
  persons: number;
}

/** One NPS answer (`survey sent` with a numeric `$survey_response`). */
export interface SurveyResponseRecord {
  uuid: string;
  timestamp: string;
  distinct_id: string;
  person_email: string | null;
  group_key: string;
  survey_id: string;
  score: number;
}
