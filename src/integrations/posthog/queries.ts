/**
 * The HogQL Beton sends. The text is constant: every value reaches PostHog as a `{placeholder}`
 * (dates, event names), and the only number written into the text is an OFFSET Beton computed, so
 * nothing a user types can change the query.
 */

/** Pageviews of these paths become their own usage rows (`$pageview:/pricing`); other paths fold into `$pageview`. */
export const SPLIT_PATHS = ['/pricing', '/upgrade'] as const;

const usageName = `multiIf(${SPLIT_PATHS.map(
  (path) => `event = '$pageview' AND properties.$pathname = '${path}', '$pageview:${path}'`,
).join(', ')}, event)`;

/**
 * Daily usage per company (group 0) per event over [from, to).
 *
 * @example
 * usageQuery({ explicitEvents: false, offset: 0, limit: 50_000 }); // values: { from, to }
 */
export function usageQuery(opts: { explicitEvents: boolean; offset: number; limit: number }): string {
  const events = opts.explicitEvents
    ? 'event IN {events}'
    : // PostHog's own `$` events (autocapture, pageleave, …) are noise here; pageviews are not.
      "(event = '$pageview' OR event NOT LIKE '$%')";
  return [
    'SELECT $group_0 AS group_key, toDate(timestamp) AS day,',
    `  ${usageName} AS name,`,
    '  count() AS count, count(DISTINCT person_id) AS persons',
    'FROM events',
    `WHERE timestamp >= toDateTime({from}) AND timestamp < toDateTime({to}) AND $group_0 != '' AND ${events}`,
    'GROUP BY group_key, day, name',
    'ORDER BY day, group_key, name',
    `LIMIT ${integer(opts.limit)} OFFSET ${integer(opts.offset)}`,
  ].join('\n');
}

/** NPS answers over [from, to), oldest first. */
export function surveyQuery(opts: { offset: number; limit: number }): string {
  return [
    'SELECT uuid, timestamp, distinct_id, person.properties.email, $group_0, properties.$survey_id, properties.$survey_response',
    'FROM events',
    "WHERE event = 'survey sent' AND timestamp >= toDateTime({from}) AND timestamp < toDateTime({to})",
    'ORDER BY timestamp, uuid',
    `LIMIT ${integer(opts.limit)} OFFSET ${integer(opts.offset)}`,
  ].join('\n');
}

function integer(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`Expected a non-negative integer, got ${n}`);
  return n;
}
