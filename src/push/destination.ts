/** The destination contract lives with the capability: integrations implement it without importing src/push. */
export type {
  PushDestination,
  RecordOutcome,
  RecordWrite,
} from '../integrations/index.js';
