/**
 * The three streams over the user's queries. Usage is incremental by UTC day: each run reads from
 * the first day not known complete, minus a lookback of days that may still change (late rows), to
 * today; the usage query receives that first day as $1. Accounts and people are small and re-read
 * whole each run (a row that disappears is marked deleted).
 */
import type { Page, StreamDefinition, StreamReadContext } from '../sdk.js';
import type { PostgresSource } from './client.js';
import {
  accountRecord,
  accountSchema,
  contractRows,
  personRecord,
  personSchema,
  type QueryKind,
  usageRecord,
  usageSchema,
} from './mappers.js';
import type { SqlAccount, SqlPerson, SqlUsageDay } from './types.js';

/** The client streams and validation use: the database and the user's checked queries. */
export interface SqlSourceClient {
  source: PostgresSource;
  queries: { usage: string; accounts: string | null; people: string | null };
  lookbackDays: number;
  backfillDays: number;
  /** Today's UTC day by the runtime's clock. */
  today(): string;
}

/** How each query is named in messages. */
export const QUERY_NAMES: Record<QueryKind, string> = {
  usage: 'The usage query',
  accounts: 'The accounts query',
  people: 'The people query',
};

/** Records per page: each page is one transaction of the sync engine. */
const PAGE = 2_000;

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => dayOf(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS);

/** `next`: the first day not known complete (today never is); `part` numbers the pages of one read. */
export interface UsageState {
  next: string;
  part?: number;
}

/**
 * The first day a run reads: the cursor minus the lookback, or the backfill on a first run.
 *
 * @example firstDay({ next: '2025-06-15' }, '2025-06-15', { lookbackDays: 3, backfillDays: 180 }) // '2025-06-12'
 */
export function firstDay(
  state: UsageState | null,
  today: string,
  opts: { lookbackDays: number; backfillDays: number },
): string {
  return state ? addDays(state.next, -opts.lookbackDays) : addDays(today, -opts.backfillDays);
}

/** Pages of `records`; the last carries `final` and ends the pass, the others `between`. */
function* pages<T, S>(records: T[], between: (part: number) => S, final: NoInfer<S>): Generator<Page<T, S>> {
  const count = Math.max(1, Math.ceil(records.length / PAGE));
  for (let part = 0; part < count; part++) {
    const slice = records.slice(part * PAGE, (part + 1) * PAGE);
    yield part === count - 1
      ? { records: slice, state: final, done: true }
      : { records: slice, state: between(part + 1) };
  }
}

async function* readUsage(
  client: SqlSourceClient,
  state: UsageState | null,
  ctx: StreamReadContext,
): AsyncGenerator<Page<SqlUsageDay, UsageState>> {
  const today = dayOf(ctx.clock.now().getTime());
  const since = firstDay(state, today, client);
  const answer = await client.source.select(QUERY_NAMES.usage, client.queries.usage, [since], {
    signal: ctx.signal,
  });
  // Every row is checked before any is yielded: a query with the wrong columns stores nothing.
  const records = contractRows(QUERY_NAMES.usage, 'usage', answer).map(usageRecord);
  // Until the pass ends, a crash resumes from the same first day.
  const resume = state?.next ?? addDays(since, client.lookbackDays);
  yield* pages<SqlUsageDay, UsageState>(records, (part) => ({ next: resume, part }), { next: today });
}

async function* readWhole<T>(
  client: SqlSourceClient,
  kind: 'accounts' | 'people',
  map: (row: Record<string, string | null>) => T,
  ctx: StreamReadContext,
): AsyncGenerator<Page<T, null>> {
  const sql = client.queries[kind];
  if (!sql) return;
  const answer = await client.source.select(QUERY_NAMES[kind], sql, [], { signal: ctx.signal });
  yield* pages(contractRows(QUERY_NAMES[kind], kind, answer).map(map), () => null, null);
}

export const usageStream: StreamDefinition<SqlSourceClient, SqlUsageDay, UsageState> = {
  description:
    'Usage days from your usage query (account_key, day, event, count), read by UTC day with a lookback for late rows',
  externalId: (r) => `${r.account_key}|${r.day}|${r.event}`,
  cursor: 'date',
  deletes: 'none',
  schema: usageSchema,
  read: readUsage,
};

export const accountsStream: StreamDefinition<SqlSourceClient, SqlAccount, null> = {
  description:
    'Accounts from your accounts query (account_key, domain, name), if you gave one; re-read whole',
  primaryKey: 'account_key',
  cursor: 'none',
  deletes: 'full-refresh',
  schema: accountSchema,
  read: (client, _state, ctx) => readWhole(client, 'accounts', accountRecord, ctx),
};

export const peopleStream: StreamDefinition<SqlSourceClient, SqlPerson, null> = {
  description:
    'People from your people query (account_key, email, name, title), if you gave one; re-read whole',
  primaryKey: 'email',
  cursor: 'none',
  deletes: 'full-refresh',
  schema: personSchema,
  read: (client, _state, ctx) => readWhole(client, 'people', personRecord, ctx),
};
