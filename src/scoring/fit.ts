import { z } from 'zod';
import type { Firmographics } from '../model/index.js';
import { firmographicsProvider } from './firmographics.js';

/**
 * Fit: how closely a company's firmographics (from enrichment) match the workspace's ideal customer profile.
 * Each criterion the ICP defines and the firmographics can answer scores 0, 0.5 (near miss: within a
 * factor of two of a range) or 1; fit is their weighted mean × 100.
 */

const range = z
  .object({ min: z.number().min(0).optional(), max: z.number().min(0).optional() })
  .strict()
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, 'min must not exceed max');

export const icpSchema = z
  .object({
    industries: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
    employees: range.optional(),
    revenue: range.optional().describe('annual revenue in USD'),
    regions: z
      .array(z.string().trim().min(2).max(10))
      .max(100)
      .default([])
      .describe('ISO country codes (US, DE) or regions: NA, EU, UK, APAC, LATAM, MEA'),
  })
  .strict();
export type Icp = z.infer<typeof icpSchema>;

export type { Firmographics } from '../model/index.js';

export interface FitCriterion {
  name: 'industry' | 'employees' | 'revenue' | 'region';
  weight: number;
  match: number;
  value: string | number | null;
  expected: string;
}

export interface FitResult {
  score: number | null;
  reason: string | null;
  criteria: FitCriterion[];
}

const WEIGHTS = { industry: 0.35, employees: 0.25, revenue: 0.2, region: 0.2 } as const;

const REGIONS: Record<string, readonly string[]> = {
  NA: ['US', 'CA', 'MX'],
  UK: ['GB'],
  EU: [
    'AT',
    'BE',
    'BG',
    'HR',
    'CY',
    'CZ',
    'DK',
    'EE',
    'FI',
    'FR',
    'DE',
    'GR',
    'HU',
    'IE',
    'IT',
    'LV',
    'LT',
    'LU',
    'MT',
    'NL',
    'PL',
    'PT',
    'RO',
    'SK',
    'SI',
    'ES',
    'SE',
  ],
  APAC: ['AU', 'NZ', 'JP', 'KR', 'SG', 'IN', 'CN', 'HK', 'TW', 'ID', 'MY', 'PH', 'TH', 'VN'],
  LATAM: ['BR', 'AR', 'CL', 'CO', 'PE', 'UY', 'MX'],
  MEA: ['AE', 'SA', 'IL', 'ZA', 'EG', 'NG', 'KE', 'TR', 'QA'],
};

const COUNTRY_NAMES: Record<string, string> = {
  'united states': 'US',
  usa: 'US',
  'united kingdom': 'GB',
  uk: 'GB',
  germany: 'DE',
  france: 'FR',
  canada: 'CA',
  netherlands: 'NL',
  spain: 'ES',
  italy: 'IT',
  australia: 'AU',
  india: 'IN',
  japan: 'JP',
  brazil: 'BR',
  sweden: 'SE',
  ireland: 'IE',
  singapore: 'SG',
  switzerland: 'CH',
  poland: 'PL',
  israel: 'IL',
  mexico: 'MX',
  denmark: 'DK',
};

const countryCode = (country: string) => {
  const c = country.trim();
  return c.length === 2 ? c.toUpperCase() : (COUNTRY_NAMES[c.toLowerCase()] ?? c.toUpperCase());
};

function rangeMatch(value: number, r: { min?: number; max?: number }): number {
  const low = r.min ?? 0;
  const high = r.max ?? Number.POSITIVE_INFINITY;
  if (value >= low && value <= high) return 1;
  if ((value < low && value * 2 >= low) || (value > high && value <= high * 2)) return 0.5;
  return 0;
}

const describeRange = (r: { min?: number; max?: number }) =>
  r.min !== undefined && r.max !== undefined
    ? `${r.min}–${r.max}`
    : r.min !== undefined
      ? `≥ ${r.min}`
      : `≤ ${r.max}`;

/**
 * @example
 * computeFit({ industries: ['Software'], regions: ['EU'] }, { industry: 'Computer Software', country: 'DE' }).score // 100
 */
export function computeFit(
  icp: Icp | null,
  firm: Firmographics | null,
  /** Who provides firmographics, named in the advice when there are none (default: the registry's). */
  provider?: string,
): FitResult {
  if (!icp || (icp.industries.length === 0 && !icp.employees && !icp.revenue && icp.regions.length === 0)) {
    return {
      score: null,
      reason:
        'No ideal customer profile is set: describe yours in Settings › Scoring (or PUT /api/v1/scoring/settings).',
      criteria: [],
    };
  }
  if (!firm) {
    return {
      score: null,
      reason: `No firmographics for this domain yet: connect ${provider ?? firmographicsProvider()?.displayName ?? 'an enrichment integration'} and run enrichment.`,
      criteria: [],
    };
  }
  const criteria: FitCriterion[] = [];
  if (icp.industries.length > 0 && firm.industry) {
    const industry = firm.industry.toLowerCase();
    const hit = icp.industries.some(
      (i) => industry.includes(i.toLowerCase()) || i.toLowerCase().includes(industry),
    );
    criteria.push({
      name: 'industry',
      weight: WEIGHTS.industry,
      match: hit ? 1 : 0,
      value: firm.industry,
      expected: icp.industries.join(', '),
    });
  }
  if (icp.employees && typeof firm.employees === 'number') {
    criteria.push({
      name: 'employees',
      weight: WEIGHTS.employees,
      match: rangeMatch(firm.employees, icp.employees),
      value: firm.employees,
      expected: describeRange(icp.employees),
    });
  }
  if (icp.revenue && typeof firm.annualRevenue === 'number') {
    criteria.push({
      name: 'revenue',
      weight: WEIGHTS.revenue,
      match: rangeMatch(firm.annualRevenue, icp.revenue),
      value: firm.annualRevenue,
      expected: describeRange(icp.revenue),
    });
  }
  if (icp.regions.length > 0 && firm.country) {
    const code = countryCode(firm.country);
    const hit = icp.regions.some((r) => {
      const region = r.toUpperCase();
      return region === code || (REGIONS[region]?.includes(code) ?? false);
    });
    criteria.push({
      name: 'region',
      weight: WEIGHTS.region,
      match: hit ? 1 : 0,
      value: firm.country,
      expected: icp.regions.join(', '),
    });
  }
  if (criteria.length === 0) {
    return { score: null, reason: 'The firmographics answer none of the ICP criteria.', criteria };
  }
  const total = criteria.reduce((s, c) => s + c.weight, 0);
  const score = Math.round((100 * criteria.reduce((s, c) => s + c.weight * c.match, 0)) / total);
  return { score, reason: null, criteria };
}
