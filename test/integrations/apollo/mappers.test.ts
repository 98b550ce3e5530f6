import { describe, expect, it } from 'vitest';
import apollo from '../../../src/integrations/apollo/index.js';
import { firmographicsOf } from '../../../src/integrations/apollo/mappers.js';
import type { ApolloOrganization } from '../../../src/integrations/apollo/types.js';

// The organization shape API_FACTS.md records for `GET /organizations/enrich`.
const organization: ApolloOrganization = {
  id: '5e66b6381e05b4008c8331b8',
  name: ' Acme Inc ',
  website_url: 'http://www.acme.io',
  primary_domain: 'acme.io',
  industry: 'computer software',
  estimated_num_employees: 120,
  annual_revenue: 12_500_000,
  country: 'Germany',
  technology_names: ['Stripe'],
};

describe('Apollo firmographics mapper', () => {
  it('reduces an organization to firmographics, its name ranked after the CRM and product names', () => {
    expect(firmographicsOf(organization)).toEqual({
      name: 'Acme Inc',
      industry: 'computer software',
      employees: 120,
      annualRevenue: 12_500_000,
      country: 'Germany',
    });
    expect(apollo.facts?.firmographics?.of).toBe(firmographicsOf);
    expect(apollo.facts?.firmographics?.namePriority).toBe(30);
  });

  it('reads numbers sent as text, and nothing from a missing organization', () => {
    expect(firmographicsOf({ name: 'X', estimated_num_employees: '40', annual_revenue: '' })).toMatchObject({
      employees: 40,
      annualRevenue: null,
    });
    expect(firmographicsOf(null)).toBeNull();
  });
});
