/** The Attio simulator: records with value history and authors, filters, asserts, notes, lists, limits. */
export { AttioApiError } from './errors.js';
export {
  ALL_SCOPES,
  type AttioSimOptions,
  type AttioSimulator,
  type AttioToken,
  createAttioSimulator,
  DEFAULT_ATTIO_TOKEN,
  httpDate,
  seedCrm,
} from './server.js';
export { AttioStore, type QueryOptions } from './store.js';
export type { Actor, ActorType, AttributeType } from './values.js';
