/**
 * The SQL source: product usage read from a Postgres database the team already has. The user writes
 * a read-only SELECT returning `account_key, day, event, count` (and, optionally, queries for
 * accounts and people); Beton runs it in a READ ONLY transaction under a statement timeout and a row
 * cap, incrementally by day with a lookback, and files the rows as the same usage days, accounts and
 * people any source gives. Nothing here speaks HTTP: the database host goes through the same SSRF
 * guard (`ctx.assertSafeHost`). The query contract: docs/integrations/postgres.md.
 */
import { z } from 'zod';
import { baseUrlSetting, defineIntegration, multiline, secret, type ValidationPreview } from '../sdk.js';
import { PostgresSource, parseConnectionString } from './client.js';
import { SqlQueryError } from './errors.js';
import {
  accountRecord,
  accountsFacts,
  CONTRACTS,
  contractRows,
  peopleFacts,
  personRecord,
  type QueryKind,
  usageFacts,
  usageRecord,
} from './mappers.js';
import { checkSelect } from './query-check.js';
import {
  accountsStream,
  addDays,
  peopleStream,
  QUERY_NAMES,
  type SqlSourceClient,
  usageStream,
} from './streams.js';

export { PostgresSource, parseConnectionString } from './client.js';
export { checkSelect, codeOnly } from './query-check.js';
export { firstDay, type SqlSourceClient, type UsageState } from './streams.js';
export type * from './types.js';

/** Defaults of the settings a user may leave out. */
export const SQL_DEFAULTS = {
  lookbackDays: 3,
  backfillDays: 180,
  statementTimeoutSeconds: 30,
  rowCap: 100_000,
} as const;

/** Rows of each query shown (and checked) when connecting. */
export const PREVIEW_ROWS = 10;

const query = (what: string) =>
  multiline(z.string().trim().min(1).max(20_000), 'application/sql').describe(what);
const whole = (min: number, max: number, what: string) =>
  z.coerce.number().int().min(min).max(max).optional().describe(what);

const settings = z.object({
  baseUrl: baseUrlSetting('(none: Beton connects with the connection string)'),
  usageQuery: query(
    'A SELECT returning account_key, day, event, count (one row per account, day and event); $1 is the first day to read, e.g. WHERE day >= $1::date.',
  ),
  accountsQuery: query('Optional: a SELECT returning account_key, domain and (optionally) name.').optional(),
  peopleQuery: query(
    'Optional: a SELECT returning email, account_key and (optionally) name and title.',
  ).optional(),
  lookbackDays: whole(
    0,
    60,
    `Days before the cursor re-read every run, for late rows (default ${SQL_DEFAULTS.lookbackDays}).`,
  ),
  backfillDays: whole(
    1,
    3650,
    `How far back the first run reads (default ${SQL_DEFAULTS.backfillDays} days).`,
  ),
  statementTimeoutSeconds: whole(
    1,
    600,
    `A query running longer is stopped by Postgres (default ${SQL_DEFAULTS.statementTimeoutSeconds} s).`,
  ),
  rowCap: whole(
    1,
    5_000_000,
    `A query returning more rows fails and stores nothing (default ${SQL_DEFAULTS.rowCap.toLocaleString('en-US')}).`,
  ),
});

type Settings = z.infer<typeof settings>;

/** The user's queries, each checked against its contract. */
function checkedQueries(s: Settings): SqlSourceClient['queries'] {
  return {
    usage: checkSelect(s.usageQuery, {
      what: QUERY_NAMES.usage,
      parameters: [{ name: 'the first day to read', example: 'WHERE day >= $1::date' }],
    }),
    accounts: s.accountsQuery
      ? checkSelect(s.accountsQuery, { what: QUERY_NAMES.accounts, parameters: [] })
      : null,
    people: s.peopleQuery ? checkSelect(s.peopleQuery, { what: QUERY_NAMES.people, parameters: [] }) : null,
  };
}

const RECORDS = {
  usage: { map: usageRecord, schema: usageStream.schema! },
  accounts: { map: accountRecord, schema: accountsStream.schema! },
  people: { map: personRecord, schema: peopleStream.schema! },
} as const;

/**
 * Run one query for its first rows, check its columns and every row shown, and answer the preview.
 * The usage query reads from the start of the backfill, as a first sync would.
 */
async function previewOf(
  client: SqlSourceClient,
  kind: QueryKind,
  today: string,
): Promise<ValidationPreview | null> {
  const sql = client.queries[kind];
  if (!sql) return null;
  const what = QUERY_NAMES[kind];
  const values = kind === 'usage' ? [addDays(today, -client.backfillDays)] : [];
  const answer = await client.source.select(what, sql, values, { preview: PREVIEW_ROWS });
  const rows = contractRows(what, kind, answer);
  rows.forEach((row, i) => {
    const checked = RECORDS[kind].schema.safeParse(RECORDS[kind].map(row));
    if (!checked.success) {
      throw new SqlQueryError(
        `${what}'s row ${i + 1} cannot be used: ${checked.error.issues.map((issue) => issue.message).join('; ')}.`,
      );
    }
  });
  // The contract's columns the answer has (an optional one it lacks is not shown).
  const returned = new Set(answer.columns.map((c) => c.name));
  const columns = CONTRACTS[kind].map((c) => c.name).filter((name) => returned.has(name));
  return {
    title: `${what}: first ${rows.length} row${rows.length === 1 ? '' : 's'}`,
    columns,
    rows: rows.map((row) => columns.map((c) => row[c] ?? null)),
  };
}

export default defineIntegration({
  name: 'postgres',
  displayName: 'Postgres (SQL source)',
  description:
    'Read product usage from your own Postgres with a read-only SELECT (account_key, day, event, count), plus optional accounts and people queries.',
  category: 'analytics',
  roles: ['source'],
  docs: {
    keyUrl: 'docs/integrations/postgres.md',
    scopes: ['a read-only role with SELECT on the tables your queries read'],
    setup: 'docs/integrations/postgres.md',
  },
  credentials: z.object({
    connectionString: secret(
      z
        .string()
        .trim()
        .regex(/^postgres(ql)?:\/\//, 'a postgres://user:password@host:5432/database connection string')
        .describe('postgres://user:password@host:5432/database?sslmode=require — use a read-only role'),
    ),
  }),
  settings,
  // Queries, not requests: a run makes one connection per stream.
  rateLimit: { perSecond: 5 },
  defaultBaseUrl: 'https://postgres.invalid',
  auth: () => ({}),
  client: (ctx): SqlSourceClient => {
    const s = ctx.settings;
    return {
      source: new PostgresSource({
        target: parseConnectionString(ctx.credentials.connectionString),
        assertSafeHost: ctx.assertSafeHost,
        statementTimeoutSeconds: s.statementTimeoutSeconds ?? SQL_DEFAULTS.statementTimeoutSeconds,
        rowCap: s.rowCap ?? SQL_DEFAULTS.rowCap,
      }),
      queries: checkedQueries(s),
      lookbackDays: s.lookbackDays ?? SQL_DEFAULTS.lookbackDays,
      backfillDays: s.backfillDays ?? SQL_DEFAULTS.backfillDays,
      today: () => ctx.clock.now().toISOString().slice(0, 10),
    };
  },
  validate: async (client) => {
    const today = client.today();
    const previews: ValidationPreview[] = [];
    for (const kind of ['usage', 'accounts', 'people'] as const) {
      const preview = await previewOf(client, kind, today);
      if (preview) previews.push(preview);
    }
    return { accountLabel: client.source.label, preview: previews };
  },
  streams: {
    usage_daily: { ...usageStream, facts: usageFacts },
    accounts: { ...accountsStream, facts: accountsFacts },
    people: { ...peopleStream, facts: peopleFacts },
  },
});
