import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/index.js';
import { chunks } from './store.js';
import { type DailyCount, DailySeries, type WindowedEventUsage, WindowedUsage } from './usage.js';

/**
 * Load usage for detection. The fast path asks SQL for exactly the "last N days" sums the enabled
 * detectors declared, in one pass over the window's rows, plus lifetime bounds from usage_totals;
 * history replay loads whole daily series for a few accounts at a time.
 */

/**
 * Per account, the window sums ending at `asOfDay` for each of `windows` (days), per event.
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
  const perAccount = new Map<string, Map<string, WindowedEventUsage>>();
  const entry = (accountId: string, event: string) => {
    let byEvent = perAccount.get(accountId);
    if (!byEvent) {
      byEvent = new Map();
      perAccount.set(accountId, byEvent);
    }
    let e = byEvent.get(event);
    if (!e) {
      e = { event, sums: new Array<number>(sorted.length).fill(0), firstDay: null, lastDay: null };
      byEvent.set(event, e);
    }
    return e as { event: string; sums: number[]; firstDay: number | null; lastDay: number | null };
  };

  const longest = sorted[sorted.length - 1] ?? 0;
  const from = asOfDay - longest + 1;
  const columns = sorted.map(
    (w, i) => sql`sum(case when d.day >= ${asOfDay - w + 1} then d.count else 0 end) as ${sql.ref(`w${i}`)}`,
  );
  // Event names reach SQL only as bound parameters.
  const eventFilter = events && events.length > 0 ? sql`and t.event in (${sql.join([...events])})` : sql``;
  /**
   * One pass over usage_totals (one row per account and event, in key order), each row reaching
   * into usage_daily for the window's days only: a range seek on usage_daily's key instead of a
   * scan of every stored day. Events not used in the window still come back (for their bounds).
   */
  const scan = async (filter: ReturnType<typeof sql>) => {
    const compiled = sql`
      select t.account_id, t.event, min(t.first_day) as first_day, max(t.last_day) as last_day
        ${sorted.length > 0 ? sql`, ${sql.join(columns)}` : sql``}
      from usage_totals t
      left join usage_daily d on d.workspace_id = t.workspace_id and d.account_id = t.account_id
        and d.event = t.event and d.day >= ${from} and d.day <= ${asOfDay} and t.last_day >= ${from}
      where t.workspace_id = ${workspaceId} ${eventFilter} ${filter}
      group by t.account_id, t.event`.compile(db);
    const result = await db.executeQuery<Record<string, unknown>>(compiled);
    // Rows as values in column order (account, event, bounds, sum per window): no lookups by name.
    for (const row of result.rows) {
      const values = Object.values(row);
      const e = entry(values[0] as string, values[1] as string);
      e.firstDay = Number(values[2]);
      e.lastDay = Number(values[3]);
      for (let i = 0; i < sorted.length; i++) e.sums[i] = Number(values[i + 4] ?? 0);
    }
  };
  if (accountIds === null) await scan(sql``);
  else for (const chunk of chunks(accountIds)) await scan(sql`and t.account_id in (${sql.join(chunk)})`);
  const out = new Map<string, WindowedUsage>();
  for (const [accountId, byEvent] of perAccount)
    out.set(accountId, new WindowedUsage(asOfDay, sorted, [...byEvent.values()]));
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
