import { describe, expect, it } from 'vitest';
import { ACTIVITY, DailySeries, WindowedUsage } from '../../src/accounts/index.js';
import {
  configureSignals,
  customDetector,
  customSignalInput,
  detectSignals,
} from '../../src/signals/index.js';
import { facts } from './facts-builder.js';

const definition = {
  id: 'cs_1',
  key: 'custom:cs_1',
  name: 'Exports',
  description: '',
  direction: 'expansion' as const,
  events: ['export_clicked', 'export_scheduled'],
  operator: 'gte' as const,
  threshold: 10,
  windowDays: 7,
  weight: 0.5,
  enabled: true,
};

describe('custom signals', () => {
  it('sums the events over the window and compares with the threshold', () => {
    const detector = customDetector(definition);
    const usage = [
      { event: 'export_clicked', daysAgo: 1, count: 6 },
      { event: 'export_scheduled', daysAgo: 6, count: 4 },
      { event: 'export_clicked', daysAgo: 7, count: 50 },
    ];
    expect(detector.detect(facts({ usage }), {})?.explanation).toBe(
      '10 export_clicked + export_scheduled in the last 7 days ≥ 10.',
    );
    expect(detector.detect(facts({ usage: usage.slice(0, 1) }), {})).toBeNull();
  });

  it.each([
    ['gt', 10, false],
    ['gte', 10, true],
    ['lt', 11, true],
    ['lte', 9, false],
    ['eq', 10, true],
  ] as const)('operator %s %d → %s', (operator, threshold, fires) => {
    const detector = customDetector({ ...definition, operator, threshold });
    const usage = [{ event: 'export_clicked', daysAgo: 0, count: 10 }];
    expect(detector.detect(facts({ usage }), {}) !== null).toBe(fires);
  });

  it('rejects what it cannot run, field by field', () => {
    const bad = customSignalInput.safeParse({
      name: '',
      direction: 'up',
      events: [],
      operator: 'like',
      threshold: -1,
      windowDays: 400,
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['name', 'direction', 'events', 'operator', 'threshold', 'windowDays']),
    );
    expect(
      customSignalInput.safeParse({ ...definition, id: undefined, key: undefined, events: ['a', 'a'] })
        .success,
    ).toBe(false);
  });

  it('runs with the built-ins', () => {
    const signals = configureSignals(new Map([['usage_spike', { enabled: false }]]), [definition]);
    expect(signals).toHaveLength(21);
    const found = detectSignals(
      facts({ usage: [{ event: 'export_clicked', daysAgo: 2, count: 30 }] }),
      signals,
    );
    expect(found.map((d) => d.key)).toEqual(['custom:cs_1']);
  });
});

describe('usage views agree', () => {
  it('the SQL fast path and the daily series give the same sums for the same windows', () => {
    const rows = [
      { event: 'feature_used', day: 100, count: 3 },
      { event: 'feature_used', day: 95, count: 4 },
      { event: 'survey sent', day: 99, count: 1 },
      { event: '$pageview', day: 80, count: 9 },
    ];
    const windows = [7, 14, 28];
    const daily = DailySeries.from(rows).view(100);
    const sums = (event: string) =>
      windows.map((w) =>
        rows
          .filter((r) => r.event === event && r.day > 100 - w && r.day <= 100)
          .reduce((s, r) => s + r.count, 0),
      );
    const windowed = new WindowedUsage(100, windows, [
      { event: 'feature_used', sums: sums('feature_used'), firstDay: 95, lastDay: 100 },
      { event: 'survey sent', sums: sums('survey sent'), firstDay: 99, lastDay: 99 },
      { event: '$pageview', sums: sums('$pageview'), firstDay: 80, lastDay: 80 },
    ]);
    for (const w of windows) {
      for (const selector of [ACTIVITY, 'feature_used', ['survey sent', '$pageview']] as const) {
        expect(windowed.sum(selector, w)).toBe(daily.sum(selector, w));
      }
    }
    expect(windowed.lastDay(ACTIVITY)).toBe(daily.lastDay(ACTIVITY));
    expect(windowed.firstDay(ACTIVITY)).toBe(daily.firstDay(ACTIVITY));
    expect(() => windowed.sum(ACTIVITY, 30)).toThrow(/usageWindows/);
  });
});
