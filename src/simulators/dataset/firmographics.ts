import type { CompanyModel } from './model.js';
import { hashInts, Rng } from './random.js';
import type { Firmographic } from './types.js';
import { FUNDING_STAGES, TECHNOLOGIES } from './words.js';

/**
 * Apollo's knowledge of each domain: found for most, with estimates near (not equal to) the truth;
 * about 8 % of domains are unknown to it, as small or new companies often are.
 */
export function buildFirmographics(worldSeed: number, models: CompanyModel[]): Firmographic[] {
  return models.map(({ company }) => {
    const rng = new Rng(hashInts(worldSeed, 0x4150, company.index));
    const unknown = rng.chance(company.employees < 20 ? 0.2 : 0.05);
    if (unknown) return { domain: company.domain, found: false, organization: null };
    const funded = rng.chance(0.55);
    return {
      domain: company.domain,
      found: true,
      organization: {
        id: rng.chars(24, '0123456789abcdef'),
        name: company.name,
        primaryDomain: company.domain,
        websiteUrl: `http://www.${company.domain}`,
        industry: company.industry.toLowerCase(),
        estimatedNumEmployees: Math.max(1, Math.round(company.employees * (0.8 + rng.next() * 0.45))),
        annualRevenue: Math.round((company.annualRevenue * (0.75 + rng.next() * 0.5)) / 1000) * 1000,
        totalFunding: funded ? Math.round(company.annualRevenue * (0.3 + rng.next() * 2)) : null,
        latestFundingStage: funded ? rng.pick(FUNDING_STAGES) : null,
        foundedYear: company.foundedYear,
        country: company.country,
        city: company.city,
        technologyNames: Array.from(
          new Set(Array.from({ length: rng.int(2, 7) }, () => rng.pick(TECHNOLOGIES))),
        ),
        linkedinUrl: `http://www.linkedin.com/company/${company.domain.split('.')[0]}`,
        shortDescription: `${company.name} builds software for the ${company.industry.toLowerCase()} industry.`,
      },
    };
  });
}
