/**
 * Saved segments: named, workspace-wide filters over accounts (the accounts-list filter of
 * src/scoring), their membership over time, and account-list export (CSV, JSON lines).
 */
export * from './export.js';
export { mainSubscription, refreshAccountFacets } from './facets.js';
export * from './membership.js';
export { keysetPages } from './pages.js';
export * from './store.js';
