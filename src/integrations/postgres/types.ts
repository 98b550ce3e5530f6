/**
 * The records the SQL source stores: the rows the user's queries return, with the column names the
 * query contract fixes (docs/integrations/postgres.md). Values arrive as text and are normalised here.
 */

/** One account's count of one event on one UTC day; id `<account_key>|<day>|<event>`. */
export interface SqlUsageDay {
  account_key: string;
  /** `YYYY-MM-DD` (a date, or a timestamp's UTC day). */
  day: string;
  event: string;
  count: number;
  /** Distinct people behind the count, when the query gives a `persons` column (0 otherwise). */
  persons: number;
}

/** An account the accounts query describes: the key usage is filed under, its domain and name. */
export interface SqlAccount {
  account_key: string;
  domain: string | null;
  name: string | null;
}

/** A person the people query describes; id: the normalised email. */
export interface SqlPerson {
  email: string;
  account_key: string | null;
  name: string | null;
  title: string | null;
}

/** A column of an answer: its name and Postgres type (by OID). */
export interface SqlColumn {
  name: string;
  typeOid: number;
}

/** What a query returned: its columns and rows, every value as Postgres's text form (or null). */
export interface SqlAnswer {
  columns: SqlColumn[];
  rows: (string | null)[][];
}
