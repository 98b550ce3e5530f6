/** The simulator's HogQL subset: parser and executor. */
export {
  type EvaluatedQuery,
  type EventRow,
  type EventTable,
  executeHogQL,
  type PersonRow,
  type PreparedQuery,
  pageOf,
  prepareHogQL,
  type QueryOptions,
  type QueryResult,
  type ScanHint,
  toDateTime,
} from './execute.js';
export { type Expr, HogQLError, parseHogQL, type SelectQuery } from './parser.js';
