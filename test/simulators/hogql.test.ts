import { describe, expect, it } from 'vitest';
import {
  type EventRow,
  type EventTable,
  executeHogQL,
  HogQLError,
  type ScanHint,
} from '../../src/integrations/posthog/simulator/hogql/index.js';

const t = (iso: string) => Date.parse(iso);
const rows: EventRow[] = [
  {
    uuid: 'u1',
    event: '$pageview',
    time: t('2025-05-01T10:00:00Z'),
    distinctId: 'd1',
    personId: 'p1',
    groupKey: 'acme.com',
    properties: { $pathname: '/pricing' },
    count: 2,
  },
  {
    uuid: 'u2',
    event: '$pageview',
    time: t('2025-05-01T11:00:00Z'),
    distinctId: 'd2',
    personId: 'p2',
    groupKey: 'acme.com',
    properties: { $pathname: '/dashboard' },
    count: 5,
  },
  {
    uuid: 'u3',
    event: 'feature_used',
    time: t('2025-05-01T12:00:00Z'),
    distinctId: 'd1',
    personId: 'p1',
    groupKey: 'acme.com',
    properties: { feature: 'alerts' },
    count: 3,
  },
  {
    uuid: 'u4',
    event: 'feature_used',
    time: t('2025-05-02T09:00:00Z'),
    distinctId: 'd3',
    personId: 'p3',
    groupKey: 'beta.io',
    properties: { feature: 'api' },
    count: 1,
  },
  {
    uuid: 'u5',
    event: 'survey sent',
    time: t('2025-05-02T15:00:00Z'),
    distinctId: 'd3',
    personId: 'p3',
    groupKey: 'beta.io',
    properties: { $survey_id: 's1', $survey_response: 9 },
    count: 1,
  },
  {
    uuid: 'u6',
    event: "it's odd",
    time: t('2025-05-03T08:00:00Z'),
    distinctId: 'd4',
    personId: 'p4',
    groupKey: '',
    properties: {},
    count: 1,
  },
];
const hints: ScanHint[] = [];
const table: EventTable = {
  scan(hint, visit) {
    hints.push(hint);
    for (const r of rows) visit(r);
  },
  person: (id) => ({ id, createdAt: '2025-01-01T00:00:00Z', properties: { email: `${id}@acme.com` } }),
};
const run = (q: string, values?: Record<string, unknown>) => executeHogQL(q, table, values ? { values } : {});

describe('HogQL subset', () => {
  it('aggregates with GROUP BY, weighting coalesced rows by their count', () => {
    const r = run(
      "SELECT $group_0 AS g, toDate(timestamp) AS day, count() AS c, count(DISTINCT person_id) AS persons FROM events WHERE $group_0 != '' GROUP BY g, day ORDER BY day, g",
    );
    expect(r.columns).toEqual(['g', 'day', 'c', 'persons']);
    expect(r.types).toEqual(['String', 'Date', 'UInt64', 'UInt64']);
    expect(r.results).toEqual([
      ['acme.com', '2025-05-01', 10, 2],
      ['beta.io', '2025-05-02', 2, 1],
    ]);
  });

  it('splits pageviews by path with multiIf and filters with IN, LIKE and timestamps', () => {
    const r = run(
      "SELECT multiIf(event = '$pageview' AND properties.$pathname IN ('/pricing', '/upgrade'), concat('$pageview:', properties.$pathname), event) AS name, count() FROM events WHERE timestamp >= toDateTime({from}) AND timestamp < toDateTime({to}) AND (event = '$pageview' OR event NOT LIKE '$%') GROUP BY name ORDER BY name",
      { from: '2025-05-01 00:00:00', to: '2025-05-02 00:00:00' },
    );
    expect(r.results).toEqual([
      ['$pageview', 5],
      ['$pageview:/pricing', 2],
      ['feature_used', 3],
    ]);
    // The timestamp bounds narrow the scan (days outside are never generated).
    expect(hints.at(-1)).toMatchObject({
      fromMs: t('2025-05-01T00:00:00Z'),
      toMs: t('2025-05-02T00:00:00Z'),
    });
  });

  it('pages with LIMIT and OFFSET and says whether more rows exist; default limit 100, cap 50,000', () => {
    const page = run('SELECT uuid FROM events ORDER BY uuid LIMIT 3 OFFSET 2');
    expect(page.results.map((x) => x[0])).toEqual(['u2', 'u2-1', 'u2-2']);
    expect(page.hasMore).toBe(true);
    const all = run('SELECT uuid FROM events ORDER BY uuid');
    expect(all.limit).toBe(100);
    expect(all.results).toHaveLength(13);
    expect(all.hasMore).toBe(false);
    expect(run('SELECT uuid FROM events LIMIT 90000').limit).toBe(50_000);
  });

  it('expands a coalesced row into its events for a plain SELECT, each with its own uuid and second', () => {
    const r = run(
      "SELECT uuid, timestamp FROM events WHERE event = 'feature_used' AND $group_0 = 'acme.com' ORDER BY timestamp",
    );
    expect(r.results).toHaveLength(3);
    expect(new Set(r.results.map((x) => x[0])).size).toBe(3);
    expect(r.results.map((x) => x[1])).toEqual([
      '2025-05-01T12:00:00.000000Z',
      '2025-05-01T12:00:01.000000Z',
      '2025-05-01T12:00:02.000000Z',
    ]);
    expect(hints.at(-1)?.groupKeys).toEqual(new Set(['acme.com']));
  });

  it('reads person properties, HAVING, DISTINCT and arithmetic', () => {
    expect(
      run(
        "SELECT person.properties.email, properties.$survey_response FROM events WHERE event = 'survey sent'",
      ).results,
    ).toEqual([['p3@acme.com', 9]]);
    expect(
      run('SELECT $group_0, sum(1) AS n FROM events GROUP BY $group_0 HAVING n > 2 ORDER BY n DESC').results,
    ).toEqual([['acme.com', 10]]);
    expect(run('SELECT DISTINCT event FROM events ORDER BY event').results.map((x) => x[0])).toEqual([
      '$pageview',
      'feature_used',
      "it's odd",
      'survey sent',
    ]);
    expect(run('SELECT count() * 2 + 1 FROM events').results).toEqual([[27]]);
    expect(run("SELECT count() FROM events WHERE event LIKE '%_used'").results).toEqual([[4]]);
    expect(run("SELECT count() FROM events WHERE event LIKE '%vey%' OR event = 'x'").results).toEqual([[1]]);
    expect(run("SELECT count() FROM events WHERE event ILIKE 'FEATURE%'").results).toEqual([[4]]);
  });

  it('keeps placeholder values as values: a quote in an event name cannot change the query', () => {
    const evil = "x' OR 1=1 --";
    expect(run('SELECT count() FROM events WHERE event = {e}', { e: evil }).results).toEqual([[0]]);
    expect(
      run('SELECT count() FROM events WHERE event IN {names}', { names: [evil, "it's odd"] }).results,
    ).toEqual([[1]]);
    // Escaped literals parse as one string too.
    expect(run("SELECT count() FROM events WHERE event = 'it\\'s odd'").results).toEqual([[1]]);
    expect(run("SELECT count() FROM events WHERE event = 'it''s odd'").results).toEqual([[1]]);
  });

  it('answers errors PostHog would answer: syntax, unknown fields, missing placeholders, bad aggregation', () => {
    expect(() => run('SELECT FROM events')).toThrow(HogQLError);
    expect(() => run('SELECT nope FROM events')).toThrow(/Unable to resolve field: nope/);
    expect(() => run('SELECT count() FROM events WHERE event = {missing}')).toThrow(
      /Placeholder \{missing\}/,
    );
    expect(() => run('SELECT event, count() FROM events GROUP BY $group_0')).toThrow(/neither in GROUP BY/);
    expect(() => run('SELECT event FROM persons')).toThrow(/Unknown table/);
    expect(() => run("SELECT count() FROM events WHERE event = 'unterminated")).toThrow(/Unterminated/);
  });
});
