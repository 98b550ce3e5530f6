import { type Kysely, type RawBuilder, SqliteAdapter, sql } from 'kysely';
import { type DB, insertRows, insertStatement, preparedStatement, sqliteHandleOf } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { type StreamWithFacts, streamsWithFacts } from '../integrations/sdk.js';
import { assertUsageFields, type UsageFields, usageDayOf } from '../model/index.js';
import { dayNumber } from './days.js';
import { shippedRegistry } from './registry.js';
import { changedRecords } from './source.js';
import { chunks, mapGroupKeys } from './store.js';

/**
 * Usage records (every stream whose mapper declares usage fields) → the typed `usage_daily` table
 * (account, event, day number, count), plus per-event lifetime bounds in `usage_totals`. Records
 * stream through in batches (each payload parsed once); later passes read only what changed
 * (`changed_at` index) and report the accounts whose rows really changed. Re-deriving an account
 * aggregates in SQL, reading the JSON fields the mapper names. Several usage streams add up only
 * when they report distinct (account, event, day)s.
 */

export const isSqliteDb = (db: Kysely<DB>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** A usage stream found in the registry, with its (checked) fields. */
interface UsageStream {
  integration: string;
  stream: string;
  fields: UsageFields;
}

/**
 * The streams carrying usage days, in registry order.
 *
 * @example usageStreams(registry).map((u) => `${u.integration}/${u.stream}`)
 */
export function usageStreams(registry: IntegrationRegistry = shippedRegistry()): UsageStream[] {
  return streamsWithFacts(registry, 'usage').map((s: StreamWithFacts) => ({
    integration: s.integration,
    stream: s.stream,
    // Field names become JSON paths in SQL text: checked again here, whoever built the definition.
    fields: assertUsageFields(s.facts.usage!),
  }));
}

interface Fields {
  key: RawBuilder<unknown>;
  event: RawBuilder<unknown>;
  day: RawBuilder<unknown>;
  count: RawBuilder<unknown>;
  persons: RawBuilder<unknown>;
}

/**
 * The usage parts of a record `u` (its payload as `u.j`) per dialect. Paths are literals (checked
 * identifiers from code): a GROUP BY must repeat the exact expression, which bound parameters would
 * not (Postgres numbers each one anew).
 */
function usageFields(db: Kysely<DB>, fields: UsageFields): Fields {
  const { key, event, day, count, persons } = assertUsageFields(fields);
  if (isSqliteDb(db)) {
    const at = (field: string) => sql`json_extract(u.j, ${sql.lit(`$.${field}`)})`;
    return {
      key: at(key),
      event: at(event),
      day: sql`cast(julianday(substr(${at(day)}, 1, 10)) - 2440587.5 as integer)`,
      count: sql`coalesce(cast(${at(count)} as integer), 0)`,
      persons: persons ? sql`coalesce(cast(${at(persons)} as integer), 0)` : sql`0`,
    };
  }
  const at = (field: string) => sql`(u.j ->> ${sql.lit(field)})`;
  return {
    key: at(key),
    event: at(event),
    day: sql`(left(u.j ->> ${sql.lit(day)}, 10)::date - date '1970-01-01')`,
    count: sql`coalesce(${at(count)}::numeric::bigint, 0)`,
    persons: persons ? sql`coalesce(${at(persons)}::numeric::bigint, 0)` : sql`0`,
  };
}

export interface UsageIngestResult {
  /** Accounts whose usage changed, with the earliest day that changed. */
  changed: Map<string, number>;
  rows: number;
}

interface UsageRow {
  accountId: string;
  event: string;
  day: number;
  count: number;
  persons: number;
}

const USAGE_KEY = {
  conflict: ['workspace_id', 'account_id', 'event', 'day'],
  update: ['count', 'persons'],
} as const;
const USAGE_UPSERT = insertStatement(
  'usage_daily',
  ['workspace_id', 'account_id', 'event', 'day', 'count', 'persons'],
  USAGE_KEY,
);

const rowKey = (r: { accountId: string; event: string; day: number }) =>
  `${r.accountId}\u0000${r.event}\u0000${r.day}`;

/** Day numbers by the day text they were parsed from: a workspace's usage spans a few hundred days. */
const dayNumbers = new Map<string, number>();
function dayNumberOf(text: string): number {
  let day = dayNumbers.get(text);
  if (day === undefined) {
    day = Math.floor(Date.parse(`${text}T00:00:00Z`) / 86_400_000);
    if (dayNumbers.size > 100_000) dayNumbers.clear();
    dayNumbers.set(text, day);
  }
  return day;
}

/** A usage record's parts by its stream's fields (day as a day number), or null when it is not shaped so. */
function parseUsage(
  fields: UsageFields,
  json: string,
): { key: string; day: number; event: string; count: number; persons: number } | null {
  const u = usageDayOf(fields, JSON.parse(json) as Record<string, unknown>);
  if (!u) return null;
  const day = dayNumberOf(u.day.slice(0, 10));
  if (!Number.isFinite(day)) return null;
  return { key: u.key, day, event: u.event, count: u.count, persons: u.persons };
}

/**
 * Bring usage_daily up to date with the usage records changed since `since` (null: all of them).
 * Reports the accounts whose rows really changed (a sync's overlap re-reads unchanged days).
 *
 * @example const { changed } = await ingestUsage(db, ws, { since: watermark, now });
 */
export async function ingestUsage(
  db: Kysely<DB>,
  workspaceId: string,
  options: { since: string | null; now: string; registry?: IntegrationRegistry },
): Promise<UsageIngestResult> {
  const changed = new Map<string, number>();
  /** The (account, event) pairs whose rows changed: only their totals are recomputed. */
  const changedPairs = new Map<string, [string, string]>();
  const keyMap = new Map<string, string>();
  let rows = 0;
  const note = (accountId: string, day: number) => {
    const known = changed.get(accountId);
    if (known === undefined || day < known) changed.set(accountId, day);
  };
  for (const source of usageStreams(options.registry))
    for await (const batch of changedRecords(
      db,
      workspaceId,
      source.integration,
      source.stream,
      options.since,
      5000,
    )) {
      const parsed: { deleted: boolean; u: NonNullable<ReturnType<typeof parseUsage>> }[] = [];
      const unknownKeys = new Set<string>();
      for (const r of batch) {
        const u = parseUsage(source.fields, r.payloadJson);
        if (u === null) continue;
        parsed.push({ deleted: r.deletedAt !== null, u });
        if (!keyMap.has(u.key)) unknownKeys.add(u.key);
      }
      for (const [k, v] of await mapGroupKeys(db, workspaceId, [...unknownKeys], options.now))
        keyMap.set(k, v);
      // Fold records that land on the same (account, event, day): a person may have merged group keys.
      const upserts = new Map<string, UsageRow>();
      const deletes = new Map<string, UsageRow>();
      for (const { deleted, u } of parsed) {
        const accountId = keyMap.get(u.key);
        if (!accountId) continue;
        const row = { accountId, event: u.event, day: u.day, count: u.count, persons: u.persons };
        const key = rowKey(row);
        if (deleted) {
          deletes.set(key, row);
          continue;
        }
        const existing = upserts.get(key);
        if (existing) {
          existing.count += row.count;
          existing.persons = Math.max(existing.persons, row.persons);
        } else upserts.set(key, row);
      }
      // First pass: everything is new. Later passes: keep only rows that differ from what is stored.
      const stored =
        options.since === null
          ? new Map<string, UsageRow>()
          : await storedRows(db, workspaceId, [...upserts.values(), ...deletes.values()]);
      const writes = [...upserts.values()].filter((row) => {
        const before = stored.get(rowKey(row));
        return !before || before.count !== row.count || before.persons !== row.persons;
      });
      const removals = [...deletes.values()].filter((row) => stored.has(rowKey(row)));
      for (const row of [...writes, ...removals]) {
        note(row.accountId, row.day);
        changedPairs.set(`${row.accountId}\u0000${row.event}`, [row.accountId, row.event]);
      }
      rows += writes.length + removals.length;
      await db.transaction().execute(async (trx) => {
        // On SQLite one prepared statement run per row with its values as arguments (no row object,
        // no value array: a first ingest writes millions); multi-row inserts on Postgres. A Kysely
        // insert compiled per 500 rows cost more than SQLite's own work.
        const sqlite = sqliteHandleOf(trx);
        if (sqlite) {
          const upsert = preparedStatement(sqlite, USAGE_UPSERT);
          for (const w of writes) upsert.run(workspaceId, w.accountId, w.event, w.day, w.count, w.persons);
        } else {
          await insertRows(
            trx,
            'usage_daily',
            writes.map((w) => ({
              workspace_id: workspaceId,
              account_id: w.accountId,
              event: w.event,
              day: w.day,
              count: w.count,
              persons: w.persons,
            })),
            USAGE_KEY,
          );
        }
        for (const row of removals) {
          await trx
            .deleteFrom('usage_daily')
            .where('workspace_id', '=', workspaceId)
            .where('account_id', '=', row.accountId)
            .where('event', '=', row.event)
            .where('day', '=', row.day)
            .execute();
        }
      });
    }
  if (changed.size === 0) return { changed, rows: 0 };
  // An account fed by several group keys (merged by a person) sums them: rebuild it whole.
  const shared = await accountsWithSeveralKeys(db, workspaceId, [...changed.keys()]);
  if (shared.length > 0) await rederiveUsage(db, workspaceId, shared, options.now, options.registry);
  if (options.since === null) await refreshTotals(db, workspaceId, null, options.now);
  else {
    // A rederived account's totals are fresh already.
    const rederived = new Set(shared);
    const pairs = [...changedPairs.values()].filter(([accountId]) => !rederived.has(accountId));
    await refreshEventTotals(db, workspaceId, pairs, options.now);
  }
  return { changed, rows };
}

/** The stored rows among `rows`' accounts and days, keyed like rowKey. */
async function storedRows(
  db: Kysely<DB>,
  workspaceId: string,
  rows: UsageRow[],
): Promise<Map<string, UsageRow>> {
  const out = new Map<string, UsageRow>();
  const byAccount = new Map<string, { min: number; max: number }>();
  for (const r of rows) {
    const span = byAccount.get(r.accountId);
    if (!span) byAccount.set(r.accountId, { min: r.day, max: r.day });
    else {
      span.min = Math.min(span.min, r.day);
      span.max = Math.max(span.max, r.day);
    }
  }
  for (const chunk of chunks([...byAccount.keys()], 200)) {
    const min = Math.min(...chunk.map((id) => byAccount.get(id)!.min));
    const max = Math.max(...chunk.map((id) => byAccount.get(id)!.max));
    const found = await db
      .selectFrom('usage_daily')
      .select(['account_id', 'event', 'day', 'count', 'persons'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .where('day', '>=', min)
      .where('day', '<=', max)
      .execute();
    for (const f of found) {
      const row = {
        accountId: f.account_id,
        event: f.event,
        day: Number(f.day),
        count: Number(f.count),
        persons: Number(f.persons),
      };
      out.set(rowKey(row), row);
    }
  }
  return out;
}

async function accountsWithSeveralKeys(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: string[],
): Promise<string[]> {
  const out: string[] = [];
  for (const chunk of chunks(accountIds)) {
    const rows = await db
      .selectFrom('account_group_keys')
      .select('account_id')
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .groupBy('account_id')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    out.push(...rows.map((r) => r.account_id));
  }
  return out;
}

/**
 * Rebuild the usage of some accounts from all their group keys' records (after a merge, or when a
 * key moved to another account). Reads each key's records by external-id prefix (`<key>|…`) when
 * the stream declares one, else the key's records of the whole stream.
 *
 * @example await rederiveUsage(db, ws, ['acc_1'], now)
 */
export async function rederiveUsage(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: string[],
  now: string,
  registry?: IntegrationRegistry,
): Promise<void> {
  const sqlite = isSqliteDb(db);
  const sources = usageStreams(registry).map((source) => ({ ...source, f: usageFields(db, source.fields) }));
  for (const chunk of chunks(accountIds, 100)) {
    await db
      .deleteFrom('usage_daily')
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .execute();
    const keys = await db
      .selectFrom('account_group_keys')
      .select(['group_key', 'account_id'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .execute();
    for (const { group_key: key, account_id: accountId } of keys) {
      for (const { integration, stream, fields, f } of sources) {
        const sep = fields.externalIdKeySeparator;
        const range = sep
          ? sql`and external_id >= ${`${key}${sep}`} and external_id < ${`${key}${sep}\u{10FFFF}`}`
          : sql``;
        const from = sqlite
          ? sql`(select workspace_id, payload_json as j, deleted_at from records where workspace_id = ${workspaceId}
            and integration = ${integration} and stream = ${stream} ${range}) as u`
          : sql`(select workspace_id, payload_json::jsonb as j, deleted_at from records where workspace_id = ${workspaceId}
            and integration = ${integration} and stream = ${stream} ${range}) as u`;
        await sql`
        insert into usage_daily (workspace_id, account_id, event, day, count, persons)
        select u.workspace_id, ${accountId}, ${f.event}, ${f.day}, sum(${f.count}), max(${f.persons})
        from ${from}
        where u.deleted_at is null and ${f.event} is not null and ${f.key} = ${key}
        group by u.workspace_id, ${f.event}, ${f.day}
        on conflict (workspace_id, account_id, event, day) do update set count = usage_daily.count + excluded.count,
          persons = excluded.persons`.execute(db);
      }
    }
  }
  await refreshTotals(db, workspaceId, accountIds, now);
}

/**
 * Days of recent counts kept per (account, event) in `usage_totals.recent_json`: "last N days"
 * windows up to this long are summed from there (see loadWindowedUsage), longer ones from usage_daily.
 */
export const RECENT_USAGE_DAYS = 91;

/**
 * The statement that recomputes usage_totals rows from usage_daily for the rows `filter` selects:
 * lifetime bounds and totals, and the recent counts from `RECENT_USAGE_DAYS` before `now`'s day.
 */
function totalsInsert(db: Kysely<DB>, workspaceId: string, now: string, filter: RawBuilder<unknown>) {
  const recentFrom = dayNumber(now) - RECENT_USAGE_DAYS;
  // Bound numbers arrive in SQLite as reals: cast, or the offsets would read "31.0".
  const pair = sql`case when day >= ${recentFrom} then cast(day - ${recentFrom} as integer) || ',' || count end`;
  const recent = isSqliteDb(db) ? sql`group_concat(${pair}, ',')` : sql`string_agg(${pair}, ',')`;
  return sql`
    insert into usage_totals (workspace_id, account_id, event, first_day, last_day, total, recent_from, recent_json)
    select workspace_id, account_id, event, min(day), max(day), sum(count), cast(${recentFrom} as integer),
      '[' || coalesce(${recent}, '') || ']'
    from usage_daily where workspace_id = ${workspaceId} and count > 0 ${filter}
    group by workspace_id, account_id, event`;
}

/** Recompute usage_totals for some accounts (null: the whole workspace). */
export async function refreshTotals(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: string[] | null,
  now: string,
): Promise<void> {
  if (accountIds === null) {
    await db.deleteFrom('usage_totals').where('workspace_id', '=', workspaceId).execute();
    await totalsInsert(db, workspaceId, now, sql``).execute(db);
    return;
  }
  for (const chunk of chunks(accountIds)) {
    await db
      .deleteFrom('usage_totals')
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .execute();
    await totalsInsert(db, workspaceId, now, sql`and account_id in (${sql.join(chunk)})`).execute(db);
  }
}

/**
 * Recompute usage_totals for some (account, event) pairs only: a sync that changed one event's
 * day of an account leaves its other events' totals as they are.
 */
export async function refreshEventTotals(
  db: Kysely<DB>,
  workspaceId: string,
  pairs: readonly (readonly [accountId: string, event: string])[],
  now: string,
): Promise<void> {
  for (const chunk of chunks(pairs, 400)) {
    const list = sql`(account_id, event) in (values ${sql.join(chunk.map(([a, e]) => sql`(${a}, ${e})`))})`;
    await sql`delete from usage_totals where workspace_id = ${workspaceId} and ${list}`.execute(db);
    await totalsInsert(db, workspaceId, now, sql`and ${list}`).execute(db);
  }
}
