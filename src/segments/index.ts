/**
 * Saved segments: named, workspace-wide filters over accounts (the accounts-list filter of
 * src/scoring), their membership over time, account-list export (CSV, JSON lines) and lists in a
 * CRM kept in step with a segment.
 */
export * from './auto-lists.js';
export * from './evaluate.js';
export * from './export.js';
export { mainSubscription, refreshAccountFacets } from './facets.js';
export * from './list-sync.js';
export * from './membership.js';
export { keysetPages } from './pages.js';
export * from './store.js';
