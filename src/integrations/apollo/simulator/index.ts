/** The Apollo simulator: enrichment by domain (single and bulk), people match, plan limits, credits. */
export { CreditLedger, type LedgerEntry } from './ledger.js';
export { ApolloLimiter, type ApolloPlan, PLAN_LIMITS, type WindowLimits } from './limits.js';
export {
  type ApolloKey,
  type ApolloSimOptions,
  type ApolloSimulator,
  createApolloSimulator,
  DEFAULT_APOLLO_KEY,
} from './server.js';
export { type ApolloWorld, apolloWorldFromDataset, toApolloOrganization } from './world.js';
