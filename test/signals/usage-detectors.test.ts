import { describe, expect, it } from 'vitest';
import {
  inactivity,
  incompleteOnboarding,
  invitesSent,
  nearingPaywall,
  upgradePageVisit,
  usageDrop,
  usageSpike,
  usageWowDecline,
} from '../../src/signals/detectors/usage.js';
import { daily, daysAgo, facts, type UsageSpec } from './facts-builder.js';

/** Baseline of `weekly` events per week over days 7–34, then `recent` spread over the last 7 days. */
function baselineThen(recent: number, weekly: number, event = 'feature_used'): UsageSpec[] {
  return [
    ...Array.from({ length: 28 }, (_, i) => ({ event, daysAgo: 7 + i, count: weekly / 7 })),
    { event, daysAgo: 0, count: recent },
  ];
}

describe('usage_spike', () => {
  const p = usageSpike.defaults();

  it('fires at exactly ratio × baseline and explains the numbers', () => {
    const d = usageSpike.detect(facts({ usage: baselineThen(140, 70) }), p);
    expect(d).not.toBeNull();
    expect(d!.strength).toBe(0.5);
    expect(d!.evidence).toMatchObject({ recent7d: 140, weeklyBaseline: 70, ratio: 2 });
    expect(d!.explanation).toContain('140 events in the last 7 days, 2× the weekly average of 70');
  });

  it('stays quiet just under the ratio', () => {
    expect(usageSpike.detect(facts({ usage: baselineThen(139, 70) }), p)).toBeNull();
  });

  it('needs a baseline: a brand-new account is not a spike', () => {
    expect(
      usageSpike.detect(facts({ usage: [{ event: 'feature_used', daysAgo: 0, count: 500 }] }), p),
    ).toBeNull();
    expect(usageSpike.detect(facts({ usage: baselineThen(100, 9.8) }), p)).toBeNull();
  });

  it('needs minRecent volume', () => {
    expect(usageSpike.detect(facts({ usage: baselineThen(49, 14) }), p)).toBeNull();
    expect(usageSpike.detect(facts({ usage: baselineThen(50, 14) }), p)).not.toBeNull();
  });

  it('ignores non-engagement events and today’s partial day', () => {
    const usage = [
      ...baselineThen(70, 70),
      { event: 'usage_limit_warning', daysAgo: 0, count: 500 },
      { event: 'feature_used', daysAgo: -1, count: 900 },
    ];
    expect(usageSpike.detect(facts({ usage }), p)).toBeNull();
  });

  it('counts only the configured events', () => {
    const usage = [...baselineThen(140, 70, 'report_created'), ...daily('feature_used', 100, 35)];
    expect(usageSpike.detect(facts({ usage }), p)).toBeNull();
    expect(
      usageSpike.detect(facts({ usage }), usageSpike.resolveParams({ events: ['report_created'] })),
    ).not.toBeNull();
  });
});

describe('usage_drop', () => {
  const p = usageDrop.defaults();

  it('fires at exactly a 50 % drop', () => {
    const d = usageDrop.detect(facts({ usage: baselineThen(35, 70) }), p);
    expect(d).not.toBeNull();
    expect(d!.evidence).toMatchObject({ recent7d: 35, weeklyBaseline: 70, dropPct: 50 });
    expect(d!.explanation).toContain('down 50 %');
  });

  it('stays quiet at a 49 % drop', () => {
    expect(usageDrop.detect(facts({ usage: baselineThen(36, 70) }), p)).toBeNull();
  });

  it('needs a baseline of minBaseline per week', () => {
    expect(usageDrop.detect(facts({ usage: baselineThen(0, 19.6) }), p)).toBeNull();
    expect(usageDrop.detect(facts({ usage: baselineThen(0, 21) }), p)).not.toBeNull();
  });

  it('full strength when usage stops entirely', () => {
    expect(usageDrop.detect(facts({ usage: baselineThen(0, 70) }), p)!.strength).toBe(1);
  });
});

describe('usage_wow_decline', () => {
  const p = usageWowDecline.defaults();
  /** Weekly totals, oldest first, each put on the last day of its week. */
  const weeks = (...totals: number[]): UsageSpec[] =>
    totals.map((count, i) => ({ event: 'feature_used', daysAgo: 7 * (totals.length - 1 - i), count }));

  it('fires on three declines in a row totalling 30 %', () => {
    const d = usageWowDecline.detect(facts({ usage: weeks(100, 90, 80, 70) }), p);
    expect(d).not.toBeNull();
    expect(d!.evidence).toMatchObject({ weeklyTotals: [100, 90, 80, 70], declinePct: 30 });
    expect(d!.explanation).toContain('100 → 90 → 80 → 70');
  });

  it('stays quiet under 30 % in total', () => {
    expect(usageWowDecline.detect(facts({ usage: weeks(100, 90, 80, 71) }), p)).toBeNull();
  });

  it('stays quiet when one week is flat', () => {
    expect(usageWowDecline.detect(facts({ usage: weeks(100, 80, 80, 50) }), p)).toBeNull();
  });

  it('needs a starting week of minStartVolume', () => {
    expect(usageWowDecline.detect(facts({ usage: weeks(19, 10, 5, 1) }), p)).toBeNull();
    expect(usageWowDecline.detect(facts({ usage: weeks(20, 10, 5, 1) }), p)).not.toBeNull();
  });

  it('honours a longer run of weeks', () => {
    const four = usageWowDecline.resolveParams({ weeks: 4 });
    expect(usageWowDecline.detect(facts({ usage: weeks(100, 90, 80, 70) }), four)).toBeNull();
    expect(usageWowDecline.detect(facts({ usage: weeks(110, 100, 90, 80, 70) }), four)).not.toBeNull();
    expect(usageWowDecline.usageWindows!(four)).toEqual([7, 14, 21, 28, 35]);
  });
});

describe('inactivity', () => {
  const p = inactivity.defaults();

  it('fires after exactly 14 idle days', () => {
    const d = inactivity.detect(facts({ usage: [{ event: '$pageview', daysAgo: 14, count: 3 }] }), p);
    expect(d).not.toBeNull();
    expect(d!.evidence).toMatchObject({ lastActiveDay: '2025-05-31', daysInactive: 14 });
    expect(d!.occurredAt).toBe('2025-06-15T00:00:00.000Z');
  });

  it('stays quiet at 13 idle days', () => {
    expect(
      inactivity.detect(facts({ usage: [{ event: '$pageview', daysAgo: 13, count: 3 }] }), p),
    ).toBeNull();
  });

  it('activity today (partial day) counts as active', () => {
    const usage = [
      { event: '$pageview', daysAgo: 30, count: 3 },
      { event: '$pageview', daysAgo: -1, count: 1 },
    ];
    expect(inactivity.detect(facts({ usage }), p)).toBeNull();
  });

  it('an account that never did anything is not "inactive" (that is onboarding)', () => {
    expect(inactivity.detect(facts({ usage: [] }), p)).toBeNull();
  });

  it('NPS answers and limit warnings are not engagement', () => {
    const usage = [
      { event: '$pageview', daysAgo: 20, count: 3 },
      { event: 'survey sent', daysAgo: 1, count: 1 },
    ];
    expect(inactivity.detect(facts({ usage }), p)).not.toBeNull();
  });
});

describe('window counts: nearing_paywall, invites_sent, upgrade_page_visit', () => {
  it('nearing_paywall fires on two warnings inside 14 days, not on one, nor on one 14 days ago', () => {
    const p = nearingPaywall.defaults();
    const warn = (daysAgo: number) => ({ event: 'usage_limit_warning', daysAgo, count: 1 });
    expect(nearingPaywall.detect(facts({ usage: [warn(13), warn(2)] }), p)).toMatchObject({
      evidence: { count: 2, windowDays: 14 },
    });
    expect(nearingPaywall.detect(facts({ usage: [warn(2)] }), p)).toBeNull();
    expect(nearingPaywall.detect(facts({ usage: [warn(14), warn(2)] }), p)).toBeNull();
  });

  it('invites_sent fires at 3 invites, not at 2', () => {
    const p = invitesSent.defaults();
    expect(
      invitesSent.detect(facts({ usage: [{ event: 'user_invited', daysAgo: 2, count: 3 }] }), p)?.explanation,
    ).toBe('3 invites sent in the last 14 days (threshold 3).');
    expect(
      invitesSent.detect(facts({ usage: [{ event: 'user_invited', daysAgo: 2, count: 2 }] }), p),
    ).toBeNull();
  });

  it('upgrade_page_visit adds pricing and upgrade views', () => {
    const p = upgradePageVisit.defaults();
    const one = [{ event: '$pageview:/pricing', daysAgo: 3, count: 1 }];
    expect(upgradePageVisit.detect(facts({ usage: one }), p)).toBeNull();
    const two = [...one, { event: '$pageview:/upgrade', daysAgo: 5, count: 1 }];
    expect(upgradePageVisit.detect(facts({ usage: two }), p)?.evidence.count).toBe(2);
    // A plain $pageview is not a pricing visit.
    expect(
      upgradePageVisit.detect(facts({ usage: [...one, { event: '$pageview', daysAgo: 1, count: 9 }] }), p),
    ).toBeNull();
  });

  it('a workspace can widen the window', () => {
    const usage = [{ event: 'user_invited', daysAgo: 20, count: 5 }];
    expect(invitesSent.detect(facts({ usage }), invitesSent.defaults())).toBeNull();
    expect(
      invitesSent.detect(facts({ usage }), invitesSent.resolveParams({ windowDays: 30 })),
    ).not.toBeNull();
  });
});

describe('incomplete_onboarding', () => {
  const p = incompleteOnboarding.defaults();

  it('fires 14 days after signup without onboarding_completed', () => {
    const d = incompleteOnboarding.detect(
      facts({ signupAt: daysAgo(15), usage: daily('feature_used', 1, 10) }),
      p,
    );
    expect(d).not.toBeNull();
    expect(d!.evidence.daysSinceSignup).toBe(14);
  });

  it('stays quiet at 13 days', () => {
    const usage = daily('feature_used', 1, 10);
    expect(incompleteOnboarding.detect(facts({ signupAt: daysAgo(14), usage }), p)).toBeNull();
  });

  it('stays quiet once onboarding was completed', () => {
    const usage = [{ event: 'onboarding_completed', daysAgo: 10, count: 1 }];
    expect(incompleteOnboarding.detect(facts({ signupAt: daysAgo(30), usage }), p)).toBeNull();
  });

  it('stops after maxDays: an old account is not "onboarding"', () => {
    const usage = daily('feature_used', 1, 62);
    expect(incompleteOnboarding.detect(facts({ signupAt: daysAgo(61), usage }), p)).not.toBeNull();
    expect(incompleteOnboarding.detect(facts({ signupAt: daysAgo(62), usage }), p)).toBeNull();
  });

  it('judges only accounts whose usage reaches back to their first minDays days', () => {
    // Signed up 40 days before the as-of day: usage must start by day 14 after signup.
    const startingDaysAgo = (n: number) => [{ event: 'feature_used', daysAgo: n, count: 1 }];
    expect(
      incompleteOnboarding.detect(facts({ signupAt: daysAgo(41), usage: startingDaysAgo(26) }), p),
    ).not.toBeNull();
    expect(
      incompleteOnboarding.detect(facts({ signupAt: daysAgo(41), usage: startingDaysAgo(25) }), p),
    ).toBeNull();
    // No usage at all: not tracked in the product analytics, so nothing to judge.
    expect(incompleteOnboarding.detect(facts({ signupAt: daysAgo(41), usage: [] }), p)).toBeNull();
  });

  it('falls back to the first usage day when no source dated the signup', () => {
    const usage = [{ event: '$pageview', daysAgo: 20, count: 1 }];
    expect(incompleteOnboarding.detect(facts({ signupAt: null, usage }), p)?.evidence.daysSinceSignup).toBe(
      20,
    );
  });
});

describe('parameters', () => {
  it('reject unknown and out-of-range overrides', () => {
    expect(() => usageSpike.resolveParams({ ratio: 0.5 })).toThrow();
    expect(() => usageSpike.resolveParams({ ratioo: 3 })).toThrow();
    expect(usageSpike.resolveParams({ ratio: 3 })).toMatchObject({ ratio: 3, minRecent: 50 });
  });
});
