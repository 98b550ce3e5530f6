/**
 * The synthetic world every simulator serves: one seeded SaaS market (companies with domains and
 * firmographics, their people, billing, product usage, NPS answers, a CRM) and the planted truth the
 * scoring tests check against. Same seed, same world.
 *
 * What a new simulator reads (see docs/simulators.md, "Writing a simulator"):
 * - **companies**: `dataset.companies` (id, name, bare `domain`, industry, employees, annualRevenue,
 *   country, plan, seatLimit, createdAt), in a stable order; `dataset.companyByDomain.get(domain)`
 *   and `dataset.companyById.get(id)` to answer a lookup.
 * - **people**: `dataset.people` (email, names, title, seniority, department, createdAt, lastSeenAt),
 *   grouped by company; `dataset.peopleOfCompany(company.index)` for one company's.
 * - **domains**: every company's `domain` is unique and registrable; `dataset.firmographics` also
 *   holds a few domains no company has (for "not found" answers).
 * - **time**: `dataset.now` (ISO) and `dataset.nowUnix` are the world's present; history reaches
 *   back `dataset.historyDays`. `dayOf`, `isoOf` and `addInterval` convert between unix seconds,
 *   UTC days and ISO times. Serve nothing dated after `now`: tests freeze the world there.
 *
 * @example
 * const world = generateDataset({ seed: 'acme', companies: 50 });
 * const company = world.companies[0]!;
 * world.companyByDomain.get(company.domain) === company; // true
 * world.peopleOfCompany(company.index).map((p) => p.email);
 */
export { versionAt } from './billing.js';
export { addInterval, dayOf, isoOf, periodAt } from './calendar.js';
export { PLAN_SPECS, planRank } from './catalog.js';
export { DEFAULT_COMPANIES, DEFAULT_HISTORY_DAYS, generateDataset } from './generate.js';
export type * from './types.js';
export { PAGE_PATHS, PLANS, USAGE_EVENTS } from './types.js';
export { usageEventName } from './usage.js';
