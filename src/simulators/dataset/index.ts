/**
 * The synthetic world the simulators serve. `generateDataset` builds it from a seed; the types
 * describe companies, people, billing, usage, firmographics, the CRM and the planted truth.
 */
export { versionAt } from './billing.js';
export { addInterval, dayOf, isoOf, periodAt } from './calendar.js';
export { PLAN_SPECS, planRank } from './catalog.js';
export { DEFAULT_COMPANIES, DEFAULT_HISTORY_DAYS, generateDataset } from './generate.js';
export type * from './types.js';
export { PAGE_PATHS, PLANS, USAGE_EVENTS } from './types.js';
export { usageEventName } from './usage.js';
