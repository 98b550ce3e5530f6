import { describe, expect, it } from 'vitest';
import { computeFit } from '../../src/scoring/fit.js';
import {
  DEFAULT_SCORING,
  describeScore,
  gradeOf,
  type ScoredSignal,
  scoreAccount,
} from '../../src/scoring/model.js';

const NOW = new Date('2025-06-15T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const signal = (over: Partial<ScoredSignal>): ScoredSignal => ({
  key: 'usage_spike',
  title: 'Usage spike',
  direction: 'expansion',
  weight: 1,
  strength: 1,
  lastSeenAt: NOW.toISOString(),
  explanation: 'x',
  feedsHealth: true,
  ...over,
});
const engaged = { activeWeeks: 4, events28: 2_000, users: 10 };

describe('scoreAccount', () => {
  it('no negative signals means no churn risk, whatever else is going on', () => {
    const quiet = scoreAccount({
      now: NOW,
      signals: [],
      engagement: { activeWeeks: 0, events28: 0, users: 3 },
      firmographics: null,
    });
    expect(quiet.churnRisk).toBe(0);
    const busy = scoreAccount({
      now: NOW,
      signals: [signal({}), signal({ key: 'invites_sent' })],
      engagement: engaged,
      firmographics: null,
    });
    expect(busy.churnRisk).toBe(0);
    expect(describeScore(busy.explanation, (k) => k)).toContain('Churn risk 0: no churn signals.');
  });

  it('one full-strength signal of weight 1 gives 49; decay halves it every half-life', () => {
    expect(
      scoreAccount({ now: NOW, signals: [signal({})], engagement: null, firmographics: null }).expansion,
    ).toBe(49);
    const aged = scoreAccount({
      now: NOW,
      signals: [signal({ lastSeenAt: ago(14) })],
      engagement: null,
      firmographics: null,
    });
    expect(aged.expansion).toBe(Math.round(100 * (1 - Math.exp(-0.5 / 1.5))));
    expect(aged.explanation.expansion.drivers[0]).toMatchObject({ contribution: 0.5, ageDays: 14 });
  });

  it('lists drivers by contribution with their share', () => {
    const result = scoreAccount({
      now: NOW,
      signals: [
        signal({ key: 'nearing_paywall', title: 'Nearing the paywall', weight: 1 }),
        signal({ key: 'invites_sent', title: 'Invites sent', weight: 0.6, strength: 0.5 }),
        signal({ key: 'usage_drop', title: 'Usage drop', direction: 'churn', weight: 0.8 }),
      ],
      engagement: engaged,
      firmographics: null,
    });
    expect(result.explanation.expansion.drivers.map((d) => [d.key, d.share])).toEqual([
      ['nearing_paywall', 77],
      ['invites_sent', 23],
    ]);
    expect(result.explanation.churnRisk.drivers).toHaveLength(1);
    expect(result.topSignals.map((s) => s.key)).toEqual(['nearing_paywall', 'usage_drop', 'invites_sent']);
    expect(
      describeScore(result.explanation, (k) => (k === 'nearing_paywall' ? 'Nearing the paywall' : k)),
    ).toContain('nearing the paywall (77 %)');
  });

  it('a signal that reads past health raises churn risk but never lowers health (no feedback loop)', () => {
    const base = scoreAccount({ now: NOW, signals: [], engagement: engaged, firmographics: null });
    const withDecrease = scoreAccount({
      now: NOW,
      signals: [signal({ key: 'health_score_decrease', direction: 'churn', feedsHealth: false })],
      engagement: engaged,
      firmographics: null,
    });
    expect(withDecrease.churnRisk).toBeGreaterThan(0);
    expect(withDecrease.health).toBe(base.health);
  });

  it('an account without product data is scored on sentiment, not marked disengaged', () => {
    const result = scoreAccount({ now: NOW, signals: [], engagement: null, firmographics: null });
    expect(result.health).toBe(50);
    expect(result.explanation.health.engagement).toBeNull();
  });

  it('engagement rewards steady weeks and volume per user', () => {
    const full = scoreAccount({
      now: NOW,
      signals: [],
      engagement: { activeWeeks: 4, events28: 1_000, users: 10 },
      firmographics: null,
    });
    const half = scoreAccount({
      now: NOW,
      signals: [],
      engagement: { activeWeeks: 2, events28: 0, users: 10 },
      firmographics: null,
    });
    expect(full.explanation.health.engagement).toBe(100);
    expect(half.explanation.health.engagement).toBe(25);
    expect(full.health).toBe(80);
  });

  it('fit enters the score only when it is known', () => {
    const icp = { industries: ['Software'], regions: ['EU'], employees: { min: 50, max: 500 } };
    const settings = { ...DEFAULT_SCORING, icp };
    const known = scoreAccount(
      {
        now: NOW,
        signals: [],
        engagement: engaged,
        firmographics: { industry: 'Computer Software', country: 'DE', employees: 120 },
      },
      settings,
    );
    expect(known.fit).toBe(100);
    expect(known.explanation.overall.weights.fit).toBe(0.2);
    const unknown = scoreAccount(
      { now: NOW, signals: [], engagement: engaged, firmographics: null },
      settings,
    );
    expect(unknown.fit).toBeNull();
    expect(unknown.explanation.fit.reason).toContain('Apollo');
  });
});

describe('grades', () => {
  it.each([
    [100, 'M100'],
    [80, 'M100'],
    [79, 'M75'],
    [60, 'M75'],
    [59, 'M50'],
    [40, 'M50'],
    [39, 'M25'],
    [20, 'M25'],
    [19, 'M10'],
    [0, 'M10'],
  ])('%d → %s', (score, grade) => expect(gradeOf(score)).toBe(grade));
});

describe('computeFit', () => {
  it('half credit within a factor of two of a range, none beyond', () => {
    const icp = { industries: [], regions: [], employees: { min: 100, max: 1000 } };
    expect(computeFit(icp, { employees: 60 }).score).toBe(50);
    expect(computeFit(icp, { employees: 40 }).score).toBe(0);
    expect(computeFit(icp, { employees: 1900 }).score).toBe(50);
  });

  it('weights criteria and matches regions by country', () => {
    const icp = { industries: ['Fintech'], regions: ['NA'], revenue: { min: 1_000_000 } };
    const result = computeFit(icp, {
      industry: 'Retail',
      country: 'United States',
      annualRevenue: 5_000_000,
    });
    expect(result.criteria.map((c) => [c.name, c.match])).toEqual([
      ['industry', 0],
      ['revenue', 1],
      ['region', 1],
    ]);
    expect(result.score).toBe(Math.round((100 * (0.2 + 0.2)) / 0.75));
  });

  it('no ICP: no fit, and says how to set one', () => {
    expect(computeFit(null, { industry: 'x' })).toMatchObject({
      score: null,
      reason: expect.stringContaining('Settings › Scoring'),
    });
  });
});
