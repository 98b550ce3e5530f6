import type { Dataset, Firmographic } from '../../../simulators/dataset/types.js';

/** An organization as Apollo's enrichment endpoints return it. */
export interface ApolloOrganization {
  id: string;
  name: string;
  website_url: string;
  primary_domain: string;
  industry: string;
  estimated_num_employees: number;
  annual_revenue: number;
  annual_revenue_printed: string;
  total_funding: number | null;
  latest_funding_stage: string | null;
  founded_year: number;
  country: string;
  city: string;
  technology_names: string[];
  linkedin_url: string;
  short_description: string;
}

/** A person as `people/match` returns it. */
export interface ApolloPerson {
  id: string;
  first_name: string;
  last_name: string;
  name: string;
  title: string;
  seniority: string;
  departments: string[];
  email: string;
  email_status: 'verified';
  linkedin_url: string;
  organization_id: string | null;
  organization: ApolloOrganization | null;
}

/** What the Apollo simulator knows: organizations by domain, people by email and by name at a domain. */
export interface ApolloWorld {
  organizationByDomain: ReadonlyMap<string, ApolloOrganization>;
  personByEmail: ReadonlyMap<string, ApolloPerson>;
  personByNameAtDomain: ReadonlyMap<string, ApolloPerson>;
}

export const nameAtDomainKey = (first: string, last: string, domain: string) =>
  `${first.trim().toLowerCase()} ${last.trim().toLowerCase()}@${domain.trim().toLowerCase()}`;

function printed(revenue: number): string {
  if (revenue >= 1e9) return `${(revenue / 1e9).toFixed(1)}B`;
  if (revenue >= 1e6) return `${(revenue / 1e6).toFixed(1)}M`;
  return `${Math.round(revenue / 1e3)}K`;
}

/** Render a dataset firmographic into Apollo's wire shape (null when Apollo does not know it). */
export function toApolloOrganization(f: Firmographic): ApolloOrganization | null {
  const o = f.organization;
  if (!f.found || !o) return null;
  return {
    id: o.id,
    name: o.name,
    website_url: o.websiteUrl,
    primary_domain: o.primaryDomain,
    industry: o.industry,
    estimated_num_employees: o.estimatedNumEmployees,
    annual_revenue: o.annualRevenue,
    annual_revenue_printed: printed(o.annualRevenue),
    total_funding: o.totalFunding,
    latest_funding_stage: o.latestFundingStage,
    founded_year: o.foundedYear,
    country: o.country,
    city: o.city,
    technology_names: o.technologyNames,
    linkedin_url: o.linkedinUrl,
    short_description: o.shortDescription,
  };
}

/**
 * Index a dataset for the Apollo simulator: every found firmographic by its domain, every person
 * with a work email by email and by name at their company's domain.
 *
 * @example
 * const world = apolloWorldFromDataset(generateDataset({ seed: 1 }));
 * world.organizationByDomain.get('acme-analytics.io')?.industry;
 */
export function apolloWorldFromDataset(
  dataset: Pick<Dataset, 'firmographics' | 'people' | 'companyById'>,
): ApolloWorld {
  const organizationByDomain = new Map<string, ApolloOrganization>();
  for (const f of dataset.firmographics) {
    const org = toApolloOrganization(f);
    if (org) organizationByDomain.set(f.domain.toLowerCase(), org);
  }
  const personByEmail = new Map<string, ApolloPerson>();
  const personByNameAtDomain = new Map<string, ApolloPerson>();
  for (const p of dataset.people) {
    if (p.freeMail) continue;
    const company = dataset.companyById.get(p.companyId);
    const org = company ? (organizationByDomain.get(company.domain) ?? null) : null;
    const person: ApolloPerson = {
      id: `ap_${p.id.replace(/-/g, '').slice(0, 24)}`,
      first_name: p.firstName,
      last_name: p.lastName,
      name: `${p.firstName} ${p.lastName}`,
      title: p.title,
      seniority: p.seniority,
      departments: [p.department],
      email: p.email.toLowerCase(),
      email_status: 'verified',
      linkedin_url:
        `http://www.linkedin.com/in/${p.firstName}-${p.lastName}-${p.id.slice(0, 6)}`.toLowerCase(),
      organization_id: org?.id ?? null,
      organization: org,
    };
    personByEmail.set(person.email, person);
    if (company) personByNameAtDomain.set(nameAtDomainKey(p.firstName, p.lastName, company.domain), person);
  }
  return { organizationByDomain, personByEmail, personByNameAtDomain };
}
