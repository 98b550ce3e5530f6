import { type Kysely, type RawBuilder, SqliteAdapter, sql } from 'kysely';
import type { DB } from '../db/index.js';
import { chunks, mapGroupKeys } from './store.js';

/**
 * `posthog/usage_daily` records → the typed `usage_daily` table (account, event, day number, count),
 * plus per-event lifetime bounds in `usage_totals`. Done in SQL (INSERT … SELECT over the records'
 * JSON) because the first pass can be millions of rows; later passes read only what changed
 * (`changed_at` index) and report which accounts really changed.
 */

export const isSqliteDb = (db: Kysely<DB>) => db.getExecutor().adapter instanceof SqliteAdapter;

interface Fields {
  /** A FROM item exposing the usage records as `u` with a `changed_at`, `deleted_at`, `workspace_id`. */
  from: RawBuilder<unknown>;
  key: RawBuilder<unknown>;
  event: RawBuilder<unknown>;
  day: RawBuilder<unknown>;
  count: RawBuilder<unknown>;
  persons: RawBuilder<unknown>;
}

/** The records of the stream changed since `since`, with JSON fields extracted per dialect. */
function usageFields(db: Kysely<DB>, workspaceId: string, since: string | null): Fields {
  const changed = since ? sql`and changed_at > ${since}` : sql``;
  if (isSqliteDb(db)) {
    return {
      from: sql`(select workspace_id, external_id, payload_json as j, changed_at, deleted_at from records
        where workspace_id = ${workspaceId} and integration = 'posthog' and stream = 'usage_daily' ${changed}) as u`,
      key: sql`json_extract(u.j, '$.group_key')`,
      event: sql`json_extract(u.j, '$.event')`,
      day: sql`cast(julianday(substr(json_extract(u.j, '$.day'), 1, 10)) - 2440587.5 as integer)`,
      count: sql`coalesce(cast(json_extract(u.j, '$.count') as integer), 0)`,
      persons: sql`coalesce(cast(json_extract(u.j, '$.persons') as integer), 0)`,
    };
  }
  return {
    from: sql`(select workspace_id, external_id, payload_json::jsonb as j, changed_at, deleted_at from records
      where workspace_id = ${workspaceId} and integration = 'posthog' and stream = 'usage_daily' ${changed}) as u`,
    key: sql`(u.j ->> 'group_key')`,
    event: sql`(u.j ->> 'event')`,
    day: sql`(left(u.j ->> 'day', 10)::date - date '1970-01-01')`,
    count: sql`coalesce((u.j ->> 'count')::numeric::bigint, 0)`,
    persons: sql`coalesce((u.j ->> 'persons')::numeric::bigint, 0)`,
  };
}

export interface UsageIngestResult {
  /** Accounts whose usage changed, with the earliest day that changed. */
  changed: Map<string, number>;
  rows: number;
}

/**
 * Bring usage_daily up to date with the usage records changed since `since` (null: all of them).
 *
 * @example const { changed } = await ingestUsage(db, ws, { since: watermark, now });
 */
export async function ingestUsage(
  db: Kysely<DB>,
  workspaceId: string,
  options: { since: string | null; now: string },
): Promise<UsageIngestResult> {
  const f = usageFields(db, workspaceId, options.since);
  const keys = await sql<{ k: string | null }>`select distinct ${f.key} as k from ${f.from}`.execute(db);
  await mapGroupKeys(db, workspaceId, keys.rows.map((r) => r.k).filter((k): k is string => typeof k === 'string' && k !== ''), options.now);

  const join = sql`join account_group_keys k on k.workspace_id = u.workspace_id and k.group_key = ${f.key}`;
  // Which accounts really change: rows that are new, differ, or were deleted at the source.
  const diff = await sql<{ account_id: string; min_day: number; n: number }>`
    select k.account_id as account_id, min(${f.day}) as min_day, count(*) as n
    from ${f.from} ${join}
    left join usage_daily d on d.workspace_id = u.workspace_id and d.account_id = k.account_id
      and d.event = ${f.event} and d.day = ${f.day}
    where (u.deleted_at is null and (d.count is null or d.count <> ${f.count} or d.persons <> ${f.persons}))
       or (u.deleted_at is not null and d.count is not null)
    group by k.account_id`.execute(db);
  const changed = new Map(diff.rows.map((r) => [r.account_id, Number(r.min_day)]));
  const rows = diff.rows.reduce((n, r) => n + Number(r.n), 0);
  if (changed.size === 0) return { changed, rows: 0 };

  if (isSqliteDb(db)) {
    await sql`
      insert into usage_daily (workspace_id, account_id, event, day, count, persons)
      select u.workspace_id, k.account_id, ${f.event}, ${f.day}, ${f.count}, ${f.persons}
      from ${f.from} ${join}
      where u.deleted_at is null and ${f.event} is not null
      on conflict (workspace_id, account_id, event, day) do update set count = excluded.count, persons = excluded.persons`.execute(db);
  } else {
    // One statement may not update a row twice on Postgres: fold keys that share an account first.
    await sql`
      insert into usage_daily (workspace_id, account_id, event, day, count, persons)
      select u.workspace_id, k.account_id, ${f.event}, ${f.day}, sum(${f.count}), max(${f.persons})
      from ${f.from} ${join}
      where u.deleted_at is null and ${f.event} is not null
      group by u.workspace_id, k.account_id, ${f.event}, ${f.day}
      on conflict (workspace_id, account_id, event, day) do update set count = excluded.count, persons = excluded.persons`.execute(db);
  }
  await sql`
    delete from usage_daily where workspace_id = ${workspaceId} and (account_id, event, day) in (
      select k.account_id, ${f.event}, ${f.day} from ${f.from} ${join} where u.deleted_at is not null)`.execute(db);

  // An account fed by several group keys (merged by a person) sums them: rebuild it whole.
  const shared = await accountsWithSeveralKeys(db, workspaceId, [...changed.keys()]);
  if (shared.length > 0) await rederiveUsage(db, workspaceId, shared);
  await refreshTotals(db, workspaceId, options.since === null ? null : [...changed.keys()]);
  return { changed, rows };
}

async function accountsWithSeveralKeys(db: Kysely<DB>, workspaceId: string, accountIds: string[]): Promise<string[]> {
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
 * key moved to another account). Reads each key's records by external-id prefix (`key|day|event`).
 */
export async function rederiveUsage(db: Kysely<DB>, workspaceId: string, accountIds: string[]): Promise<void> {
  const sqlite = isSqliteDb(db);
  for (const chunk of chunks(accountIds, 100)) {
    await db.deleteFrom('usage_daily').where('workspace_id', '=', workspaceId).where('account_id', 'in', chunk).execute();
    const keys = await db
      .selectFrom('account_group_keys')
      .select(['group_key', 'account_id'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .execute();
    for (const { group_key: key, account_id: accountId } of keys) {
      const lo = `${key}|`;
      const hi = `${key}|\u{10FFFF}`;
      const from = sqlite
        ? sql`(select workspace_id, payload_json as j, deleted_at from records where workspace_id = ${workspaceId}
            and integration = 'posthog' and stream = 'usage_daily' and external_id >= ${lo} and external_id < ${hi}) as u`
        : sql`(select workspace_id, payload_json::jsonb as j, deleted_at from records where workspace_id = ${workspaceId}
            and integration = 'posthog' and stream = 'usage_daily' and external_id >= ${lo} and external_id < ${hi}) as u`;
      const f = usageFields(db, workspaceId, null);
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
  await refreshTotals(db, workspaceId, accountIds);
}

/** Recompute usage_totals for some accounts (null: the whole workspace). */
export async function refreshTotals(db: Kysely<DB>, workspaceId: string, accountIds: string[] | null): Promise<void> {
  const insert = (filter: RawBuilder<unknown>) => sql`
    insert into usage_totals (workspace_id, account_id, event, first_day, last_day, total)
    select workspace_id, account_id, event, min(day), max(day), sum(count)
    from usage_daily where workspace_id = ${workspaceId} and count > 0 ${filter}
    group by workspace_id, account_id, event`;
  if (accountIds === null) {
    await db.deleteFrom('usage_totals').where('workspace_id', '=', workspaceId).execute();
    await insert(sql``).execute(db);
    return;
  }
  for (const chunk of chunks(accountIds)) {
    await db.deleteFrom('usage_totals').where('workspace_id', '=', workspaceId).where('account_id', 'in', chunk).execute();
    await insert(sql`and account_id in (${sql.join(chunk)})`).execute(db);
  }
}
