import type Database from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { type DB, readOnThread, selectRows, type ThreadResult } from '../db/index.js';
import { chunks } from './store.js';
import { type DailyCount, DailySeries, type WindowedEventUsage, WindowedUsage } from './usage.js';

/**
 * Load usage for detection. Live detection needs only the "last N days" sums the enabled detectors
 * declared, and lifetime bounds: both come from usage_totals (its recent counts, kept at ingest);
 * history replay loads whole daily series for a few accounts at a time.
 */

/**
 * Per account, the window sums ending at `asOfDay` for each of `windows` (days), per event.
 *
 * One pass over usage_totals (one row per account and event): windows that fit in the recent
 * counts kept there at ingest are summed from them; an account with a longer window (or totals
 * older than the recent lists) has its sums taken from usage_daily instead. For a whole workspace
 * on a SQLite file, the pass runs on another core (its own connection) while this thread goes on:
 * start the load, do other reads, then await it.
 *
 * @example
 * const usage = await loadWindowedUsage(db, ws, null, asOfDay, [7, 14, 35]);
 * usage.get('acc_…')?.sum(ACTIVITY, 7);
 */
export async function loadWindowedUsage(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[] | null,
  asOfDay: number,
  windows: readonly number[],
  events?: readonly string[],
): Promise<Map<string, WindowedUsage>> {
  const sorted = [...new Set(windows)].filter((w) => w > 0).sort((a, b) => a - b);
  const input: WindowReadInput = { workspaceId, asOfDay, windows: sorted, events: events ? [...events] : [] };
  const parts: WindowRows[] = [];
  const elsewhere =
    accountIds === null ? readOnThread(db, readWindowRows, [windowRows, addRecent], input) : null;
  if (elsewhere) parts.push(await elsewhere);
  else {
    const read = async (chunk: readonly string[] | null) => {
      let q = db
        .selectFrom('usage_totals')
        .select(['account_id', 'event', 'first_day', 'last_day', 'recent_from', 'recent_json'])
        .where('workspace_id', '=', workspaceId);
      if (events && events.length > 0) q = q.where('event', 'in', events);
      if (chunk) q = q.where('account_id', 'in', chunk);
      parts.push(windowRows(await selectRows(db, q.orderBy('account_id')), asOfDay, sorted));
    };
    if (accountIds === null) await read(null);
    else for (const chunk of chunks(accountIds)) await read(chunk);
  }

  const perAccount = new Map<string, WindowedEventUsage[]>();
  const fromDaily = new Set<string>();
  const width = sorted.length + 2;
  for (const { accounts, rowCounts, eventNames, eventCodes, numbers, daily } of parts) {
    let row = 0;
    for (let a = 0; a < accounts.length; a++) {
      let list = perAccount.get(accounts[a]!);
      if (!list) {
        list = [];
        perAccount.set(accounts[a]!, list);
      }
      for (let k = 0; k < rowCounts[a]!; k++, row++) {
        const base = row * width;
        list.push({
          event: eventNames[eventCodes[row]!]!,
          sums: numbers.subarray(base + 2, base + width),
          firstDay: numbers[base]!,
          lastDay: numbers[base + 1]!,
        });
      }
    }
    for (const id of daily) fromDaily.add(id);
  }
  if (fromDaily.size > 0) {
    const sums = await dailyWindowSums(db, workspaceId, [...fromDaily], asOfDay, sorted, events);
    for (const id of fromDaily) {
      for (const e of perAccount.get(id) ?? []) {
        e.sums = sums.get(`${id}\u0000${e.event}`) ?? new Array<number>(sorted.length).fill(0);
      }
    }
  }
  const out = new Map<string, WindowedUsage>();
  for (const [accountId, list] of perAccount) out.set(accountId, new WindowedUsage(asOfDay, sorted, list));
  return out;
}

interface WindowReadInput {
  workspaceId: string;
  asOfDay: number;
  windows: number[];
  events: string[];
}

/**
 * usage_totals rows summed into windows, compactly (so the reader thread hands back a few strings
 * and typed arrays, not an object per row): the accounts in row order with their row counts, each
 * row's event (a code into `eventNames`) and, in `numbers`, its [firstDay, lastDay, ...window sums].
 * `daily` lists the accounts whose sums must come from usage_daily (a window longer than the
 * recent counts they keep).
 */
interface WindowRows {
  accounts: string[];
  rowCounts: Int32Array;
  eventNames: string[];
  eventCodes: Int32Array;
  numbers: Float64Array;
  daily: string[];
}

/** The whole workspace's usage_totals, summed into windows: runs on the reader thread (self-contained). */
function readWindowRows(connection: Database.Database, input: WindowReadInput): ThreadResult<WindowRows> {
  const eventFilter =
    input.events.length > 0 ? ` and event in (${input.events.map(() => '?').join(', ')})` : '';
  const rows = connection
    .prepare(
      `select account_id, event, first_day, last_day, recent_from, recent_json from usage_totals where workspace_id = ?${eventFilter} order by account_id`,
    )
    .raw()
    .all(input.workspaceId, ...input.events) as unknown[][];
  const value = windowRows(rows, input.asOfDay, input.windows);
  const transfer = [value.numbers.buffer, value.eventCodes.buffer, value.rowCounts.buffer] as ArrayBuffer[];
  return { value, transfer };
}

/**
 * Sum usage_totals rows (account, event, first day, last day, recent-from, recent counts) into
 * windows ending at `asOfDay`. Self-contained: the reader thread runs its source.
 */
function windowRows(rows: unknown[][], asOfDay: number, windows: readonly number[]): WindowRows {
  const width = windows.length + 2;
  const from = asOfDay - (windows.length > 0 ? windows[windows.length - 1]! : 0) + 1;
  const accounts: string[] = [];
  const rowCounts = new Int32Array(rows.length);
  const codes = new Map<string, number>();
  const eventNames: string[] = [];
  const eventCodes = new Int32Array(rows.length);
  const numbers = new Float64Array(rows.length * width);
  const daily: string[] = [];
  const sums = new Array<number>(windows.length);
  let current: unknown = null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row[0] !== current) {
      current = row[0];
      accounts.push(row[0] as string);
    }
    rowCounts[accounts.length - 1]! += 1;
    let code = codes.get(row[1] as string);
    if (code === undefined) {
      code = eventNames.length;
      codes.set(row[1] as string, code);
      eventNames.push(row[1] as string);
    }
    eventCodes[i] = code;
    const base = i * width;
    const lastDay = Number(row[3]);
    numbers[base] = Number(row[2]);
    numbers[base + 1] = lastDay;
    if (windows.length === 0 || lastDay < from) continue;
    if (row[4] === null || row[5] === null || from < Number(row[4])) {
      daily.push(row[0] as string);
      continue;
    }
    sums.fill(0);
    addRecent(sums, row[5] as string, Number(row[4]), asOfDay, windows);
    for (let j = 0; j < windows.length; j++) numbers[base + 2 + j] = sums[j]!;
  }
  return {
    accounts,
    rowCounts: rowCounts.slice(0, accounts.length),
    eventNames,
    eventCodes,
    numbers,
    daily,
  };
}

/**
 * Add a recent-counts list (text `[dayOffset,count,…]` from `recentFrom`) into per-window sums:
 * each count lands in the shortest window holding its day, then the windows are accumulated. Read
 * digit by digit: a run parses one list per account and event, and JSON.parse would allocate an
 * array for each. Self-contained: the reader thread runs its source.
 */
function addRecent(
  sums: number[],
  text: string,
  recentFrom: number,
  asOfDay: number,
  windows: readonly number[],
) {
  const bucket = new Array<number>(windows.length).fill(0);
  let value = 0;
  let digits = false;
  let offset = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      value = value * 10 + c;
      digits = true;
      continue;
    }
    if (!digits) continue;
    if (offset < 0) offset = value;
    else {
      const age = asOfDay - (recentFrom + offset);
      let j = 0;
      while (j < windows.length && windows[j]! <= age) j++;
      if (age >= 0 && j < windows.length) bucket[j]! += value;
      offset = -1;
    }
    value = 0;
    digits = false;
  }
  let running = 0;
  for (let j = 0; j < windows.length; j++) {
    running += bucket[j]!;
    sums[j]! += running;
  }
}

/** Window sums straight from usage_daily, keyed `account \0 event`: one range seek per (account, event). */
async function dailyWindowSums(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  asOfDay: number,
  windows: readonly number[],
  events?: readonly string[],
): Promise<Map<string, number[]>> {
  const from = asOfDay - (windows[windows.length - 1] ?? 0) + 1;
  const columns = windows.map(
    (w, i) => sql`sum(case when d.day >= ${asOfDay - w + 1} then d.count else 0 end) as ${sql.ref(`w${i}`)}`,
  );
  // Event names reach SQL only as bound parameters.
  const eventFilter = events && events.length > 0 ? sql`and t.event in (${sql.join([...events])})` : sql``;
  const out = new Map<string, number[]>();
  for (const chunk of chunks(accountIds)) {
    const compiled = sql`
      select t.account_id, t.event, ${sql.join(columns)}
      from usage_totals t
      join usage_daily d on d.workspace_id = t.workspace_id and d.account_id = t.account_id
        and d.event = t.event and d.day >= ${from} and d.day <= ${asOfDay}
      where t.workspace_id = ${workspaceId} ${eventFilter} and t.account_id in (${sql.join(chunk)})
      group by t.account_id, t.event`.compile(db);
    const result = await db.executeQuery<Record<string, unknown>>(compiled);
    for (const row of result.rows) {
      const values = Object.values(row);
      out.set(
        `${values[0]}\u0000${values[1]}`,
        windows.map((_, i) => Number(values[i + 2] ?? 0)),
      );
    }
  }
  return out;
}

/**
 * Whole daily series of some accounts (for history replay).
 *
 * @example const series = await loadDailySeries(db, ws, ['acc_1']); series.get('acc_1')?.view(day)
 */
export async function loadDailySeries(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  fromDay: number,
): Promise<Map<string, DailySeries>> {
  const rows = new Map<string, DailyCount[]>();
  for (const chunk of chunks(accountIds, 200)) {
    const result = await db
      .selectFrom('usage_daily')
      .select(['account_id', 'event', 'day', 'count'])
      .where('workspace_id', '=', workspaceId)
      .where('account_id', 'in', chunk)
      .where('day', '>=', fromDay)
      .execute();
    for (const r of result) {
      let list = rows.get(r.account_id);
      if (!list) {
        list = [];
        rows.set(r.account_id, list);
      }
      list.push({ event: r.event, day: Number(r.day), count: Number(r.count) });
    }
  }
  return new Map([...rows].map(([id, list]) => [id, DailySeries.from(list)]));
}
