/** What an enrichment provider knows of a company, reduced to what fit and naming read. */
export interface Firmographics {
  name?: string | null;
  industry?: string | null;
  employees?: number | null;
  annualRevenue?: number | null;
  country?: string | null;
}
