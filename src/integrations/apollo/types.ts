/**
 * Apollo's answers as Beton reads them (https://docs.apollo.io/reference). Only the fields Beton
 * uses are typed; Apollo sends many more and the cache keeps the organization as sent.
 */

/** `GET /organizations/enrich` and each entry of `bulk_enrich`'s `organizations`. */
export interface ApolloOrganization {
  id: string;
  name: string;
  website_url?: string | null;
  primary_domain?: string | null;
  industry?: string | null;
  estimated_num_employees?: number | null;
  annual_revenue?: number | null;
  total_funding?: number | null;
  latest_funding_stage?: string | null;
  founded_year?: number | null;
  country?: string | null;
  city?: string | null;
  technology_names?: string[];
  linkedin_url?: string | null;
  short_description?: string | null;
  [field: string]: unknown;
}

export interface ApolloPerson {
  id: string;
  first_name?: string;
  last_name?: string;
  name?: string;
  title?: string | null;
  seniority?: string | null;
  departments?: string[];
  email?: string | null;
  linkedin_url?: string | null;
  organization_id?: string | null;
  organization?: ApolloOrganization | null;
  [field: string]: unknown;
}

/** What to match a person by: an email, or a name at a domain. */
export interface PersonMatchInput {
  email?: string;
  first_name?: string;
  last_name?: string;
  name?: string;
  domain?: string;
  organization_name?: string;
}

/** The live budget from Apollo's `x-…-requests-left` headers (undefined until first seen). */
export interface ApolloRateState {
  minute?: { limit: number; left: number };
  hour?: { limit: number; left: number };
  day?: { limit: number; left: number };
  /** When the state was read (ms since epoch). */
  at: number;
}
