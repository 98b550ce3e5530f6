/**
 * Enrichment: Apollo firmographics per account domain, cached with a freshness window so no credit
 * is spent twice, bulk calls of 10, and a monthly credit cap per workspace.
 */
export {
  type EnrichmentDeps,
  type EnrichmentPlan,
  type EnrichmentSettings,
  type EnrichmentSource,
  type EnrichProgress,
  planEnrichment,
  runEnrichment,
} from './enrich.js';
export {
  type CachedEnrichment,
  type EnrichmentRun,
  type EnrichmentRunStatus,
  monthOf,
  orphanedEnrichmentRuns,
} from './repository.js';
export {
  closeUnqueuedEnrich,
  type EnrichmentServiceDeps,
  type ExecuteEnrichRequest,
  enrichmentsFor,
  executeEnrichRun,
  getEnrichRun,
  listEnrichRuns,
  openEnrich,
  planEnrich,
  startEnrich,
  withAccountDomains,
} from './service.js';
export { accountsEnrichmentSource } from './source.js';
