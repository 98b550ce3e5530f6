/**
 * Enrichment: firmographics per account domain from the workspace's connected integration with the
 * `enrichment` capability, cached with a freshness window so no credit is spent twice, in the
 * provider's batch size, within a monthly credit cap per workspace.
 */
export { bareDomain } from './domain.js';
export {
  type EnrichmentDeps,
  type EnrichmentPlan,
  type EnrichmentProvider,
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
  enrichmentIntegrationOf,
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
