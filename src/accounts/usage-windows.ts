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
  const columns = sql.join(
    sorted.map(
      (w, i) => sql`sum(case when day >= ${asOfDay - w + 1} then count else 0 end) as ${sql.ref(`w${i}`)}`,
    ),
  );
  // Event names reach SQL only as bound parameters.
  const eventFilter = events && events.length > 0 ? sql`and event in (${sql.join([...events])})` : sql``;
  const scan = async (filter: ReturnType<typeof sql>) => {
    if (sorted.length === 0) return;
    // Rows as arrays (account, event, sum per window): no object per row on the hot path.
    const compiled = sql`
      select account_id, event, ${columns}
      from usage_daily
      where workspace_id = ${workspaceId} and day >= ${asOfDay - longest + 1} and day <= ${asOfDay} ${eventFilter} ${filter}
      group by account_id, event`.compile(db);
    const result = await db.executeQuery<Record<string, unknown>>(compiled);
    for (const row of result.rows) {
      const values = Object.values(row);
      const e = entry(values[0] as string, values[1] as string);
      for (let i = 0; i < sorted.length; i++) e.sums[i] = Number(values[i + 2] ?? 0);
    }
  };
  const bounds = async (ids: readonly string[] | null) => {
    let q = db
      .selectFrom('usage_totals')
      .select(['account_id', 'event', 'first_day', 'last_day'])
      .where('workspace_id', '=', workspaceId);
    if (ids) q = q.where('account_id', 'in', ids);
    if (events && events.length > 0) q = q.where('event', 'in', [...events]);
    for (const r of await q.execute()) {
      const e = entry(r.account_id, r.event);
      e.firstDay = Number(r.first_day);
      e.lastDay = Number(r.last_day);
    }
  };
  if (accountIds === null) {
    await scan(sql``);
    await bounds(null);
  } else {
    for (const chunk of chunks(accountIds)) {
      await scan(sql`and account_id in (${sql.join(chunk)})`);
      await bounds(chunk);
    }
  }
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
