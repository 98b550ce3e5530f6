import { describe, expect, it } from 'vitest';
import {
  approachingSeatLimit,
  arrDecrease,
  futureCancellation,
  overage,
  trialEnding,
  upcomingRenewal,
} from '../../src/signals/detectors/billing.js';
import { directorSignup, freeDecisionMaker, newDepartmentUser } from '../../src/signals/detectors/people.js';
import { healthScoreDecrease, highNps, lowNps } from '../../src/signals/detectors/sentiment.js';
import { departmentOf, seniorityOf } from '../../src/signals/titles.js';
import { daily, daysAgo, daysAhead, facts, person, subscription } from './facts-builder.js';

const users = (n: number) => Array.from({ length: n }, (_, i) => person({ id: `u${i}` }));

describe('titles', () => {
  it.each([
    ['Chief Revenue Officer', 'c_level'],
    ['Co-Founder & CEO', 'c_level'],
    ['VP of Engineering', 'vp'],
    ['Vice President, Sales', 'vp'],
    ['Director of Marketing', 'director'],
    ['Head of Growth', 'director'],
    ['Engineering Manager', 'manager'],
    ['Software Engineer', 'individual'],
  ])('%s → %s', (title, seniority) => expect(seniorityOf(title)).toBe(seniority));

  it('departments: explicit wins, else inferred from the title', () => {
    expect(departmentOf('Customer Success', 'Engineer')).toBe('customer_success');
    expect(departmentOf(null, 'Senior Data Engineer')).toBe('engineering');
    expect(departmentOf(null, 'Account Executive')).toBe('sales');
    expect(departmentOf(null, 'Wizard')).toBeNull();
  });
});

describe('director_signup', () => {
  const p = directorSignup.defaults();

  it('fires on a director created 13 days ago, not 14', () => {
    const d = directorSignup.detect(
      facts({ persons: [person({ name: 'Ann', title: 'Director of Sales', createdAt: daysAgo(13) })] }),
      p,
    );
    expect(d?.explanation).toContain('Ann (Director of Sales)');
    expect(d?.strength).toBe(0.7);
    expect(
      directorSignup.detect(
        facts({ persons: [person({ title: 'Director of Sales', createdAt: daysAgo(14) })] }),
        p,
      ),
    ).toBeNull();
  });

  it('ignores non-senior titles unless configured', () => {
    const persons = [person({ title: 'Engineering Manager', createdAt: daysAgo(2) })];
    expect(directorSignup.detect(facts({ persons }), p)).toBeNull();
    expect(
      directorSignup.detect(facts({ persons }), directorSignup.resolveParams({ seniorities: ['manager'] })),
    ).not.toBeNull();
  });

  it('does not see people created after the as-of moment (replay)', () => {
    const persons = [person({ title: 'CEO', createdAt: daysAhead(1) })];
    expect(directorSignup.detect(facts({ persons }), p)).toBeNull();
  });
});

describe('free_decision_maker', () => {
  const p = freeDecisionMaker.defaults();
  const vp = person({ title: 'VP Product', name: 'Vic' });

  it('fires for an active free account with a VP', () => {
    const d = freeDecisionMaker.detect(facts({ persons: [vp], usage: daily('feature_used', 2, 3) }), p);
    expect(d?.explanation).toContain('no paid plan');
    expect(d?.strength).toBe(0.85);
  });

  it('stays quiet for a paying account', () => {
    expect(
      freeDecisionMaker.detect(
        facts({ persons: [vp], usage: daily('feature_used', 2, 3), subscriptions: [subscription()] }),
        p,
      ),
    ).toBeNull();
  });

  it('counts a plan named free as free', () => {
    const sub = subscription({ current: { arr: 0, seats: 3, plan: 'Free', seatLimit: 3 } });
    expect(
      freeDecisionMaker.detect(
        facts({ persons: [vp], usage: daily('feature_used', 2, 3), subscriptions: [sub] }),
        p,
      ),
    ).not.toBeNull();
  });

  it('needs activity in the last activeDays', () => {
    expect(
      freeDecisionMaker.detect(
        facts({ persons: [vp], usage: [{ event: 'feature_used', daysAgo: 14, count: 5 }] }),
        p,
      ),
    ).toBeNull();
    expect(
      freeDecisionMaker.detect(
        facts({ persons: [vp], usage: [{ event: 'feature_used', daysAgo: 13, count: 5 }] }),
        p,
      ),
    ).not.toBeNull();
  });
});

describe('new_department_user', () => {
  const p = newDepartmentUser.defaults();
  const eng = person({ title: 'Software Engineer', createdAt: daysAgo(100) });

  it('fires when someone from a new department joins', () => {
    const d = newDepartmentUser.detect(
      facts({ persons: [eng, person({ name: 'Sam', title: 'Account Executive', createdAt: daysAgo(3) })] }),
      p,
    );
    expect(d?.evidence).toMatchObject({ departments: ['sales'], knownDepartments: ['engineering'] });
  });

  it('stays quiet for the same department or an old arrival', () => {
    expect(
      newDepartmentUser.detect(
        facts({ persons: [eng, person({ title: 'Backend Engineer', createdAt: daysAgo(3) })] }),
        p,
      ),
    ).toBeNull();
    expect(
      newDepartmentUser.detect(
        facts({ persons: [eng, person({ title: 'Account Executive', createdAt: daysAgo(14) })] }),
        p,
      ),
    ).toBeNull();
  });

  it('needs prior users: the first people of an account are not a "new department"', () => {
    expect(
      newDepartmentUser.detect(
        facts({ persons: [person({ title: 'Account Executive', createdAt: daysAgo(3) })] }),
        p,
      ),
    ).toBeNull();
  });
});

describe('approaching_seat_limit and overage', () => {
  const sub = (seats: number, seatLimit: number | null = null) =>
    subscription({ current: { arr: seats * 480, seats, plan: 'pro', seatLimit } });

  it('approaching: 9 users on 10 seats fires, 8 does not', () => {
    const d = approachingSeatLimit.detect(
      facts({ persons: users(9), subscriptions: [sub(10)] }),
      approachingSeatLimit.defaults(),
    );
    expect(d?.explanation).toBe('9 users on 10 paid seats (90 %, threshold 85 %).');
    expect(
      approachingSeatLimit.detect(
        facts({ persons: users(8), subscriptions: [sub(10)] }),
        approachingSeatLimit.defaults(),
      ),
    ).toBeNull();
  });

  it('approaching: paid seats against the plan limit', () => {
    const d = approachingSeatLimit.detect(
      facts({ persons: users(1), subscriptions: [sub(9, 10)] }),
      approachingSeatLimit.defaults(),
    );
    expect(d?.evidence).toMatchObject({ basis: 'plan_limit', used: 9, available: 10 });
  });

  it('overage: 11 users on 10 seats fires; 10 is approaching, not over', () => {
    const d = overage.detect(facts({ persons: users(11), subscriptions: [sub(10)] }), overage.defaults());
    expect(d?.evidence).toMatchObject({ over: 1, basis: 'paid_seats' });
    expect(
      overage.detect(facts({ persons: users(10), subscriptions: [sub(10)] }), overage.defaults()),
    ).toBeNull();
    expect(
      approachingSeatLimit.detect(
        facts({ persons: users(11), subscriptions: [sub(10)] }),
        approachingSeatLimit.defaults(),
      ),
    ).toBeNull();
  });

  it('no subscription, a trial or a canceled one: no seat signal', () => {
    expect(overage.detect(facts({ persons: users(11) }), overage.defaults())).toBeNull();
    const trial = subscription({
      status: 'trialing',
      trialEnd: daysAhead(5),
      current: { arr: 0, seats: 2, plan: 'pro', seatLimit: null },
    });
    expect(
      overage.detect(facts({ persons: users(5), subscriptions: [trial] }), overage.defaults()),
    ).toBeNull();
    const ended = subscription({ status: 'canceled', endedAt: daysAgo(3) });
    expect(
      approachingSeatLimit.detect(
        facts({ persons: users(10), subscriptions: [ended] }),
        approachingSeatLimit.defaults(),
      ),
    ).toBeNull();
  });
});

describe('trial_ending', () => {
  const p = trialEnding.defaults();
  const trial = (endsIn: number) =>
    subscription({
      status: 'trialing',
      trialStart: daysAgo(10),
      trialEnd: daysAhead(endsIn),
      current: { arr: 0, seats: 3, plan: 'pro', seatLimit: null },
    });

  it('fires 7 days before the end, not 7.1', () => {
    expect(trialEnding.detect(facts({ subscriptions: [trial(7)] }), p)?.evidence.daysLeft).toBe(7);
    expect(trialEnding.detect(facts({ subscriptions: [trial(7.1)] }), p)).toBeNull();
  });

  it('not after the trial ended', () => {
    expect(trialEnding.detect(facts({ subscriptions: [trial(-0.5)] }), p)).toBeNull();
  });

  it('a replayed past moment sees the trial as it was', () => {
    const sub = subscription({
      status: 'active',
      createdAt: daysAgo(20),
      trialStart: daysAgo(20),
      trialEnd: daysAgo(6),
    });
    const tenDaysAgo = new Date(Date.parse(daysAgo(10)));
    expect(
      trialEnding.detect(facts({ now: tenDaysAgo, subscriptions: [sub], live: false }), p),
    ).not.toBeNull();
    expect(trialEnding.detect(facts({ subscriptions: [sub], live: false }), p)).toBeNull();
  });
});

describe('upcoming_renewal', () => {
  const p = upcomingRenewal.defaults();
  const annual = (renewsIn: number, over = {}) =>
    subscription({
      interval: 'year',
      currentPeriodEnd: daysAhead(renewsIn),
      current: { arr: 24_000, seats: 5, plan: 'pro', seatLimit: null },
      ...over,
    });

  it('fires 30 days out, not 31', () => {
    expect(upcomingRenewal.detect(facts({ subscriptions: [annual(30)] }), p)?.explanation).toContain(
      '$24,000 ARR',
    );
    expect(upcomingRenewal.detect(facts({ subscriptions: [annual(31)] }), p)).toBeNull();
  });

  it('monthly plans renew every month: not a signal unless configured', () => {
    const monthly = subscription({ currentPeriodEnd: daysAhead(5) });
    expect(upcomingRenewal.detect(facts({ subscriptions: [monthly] }), p)).toBeNull();
    expect(
      upcomingRenewal.detect(
        facts({ subscriptions: [monthly] }),
        upcomingRenewal.resolveParams({ intervals: ['month'] }),
      ),
    ).not.toBeNull();
  });

  it('a subscription set to cancel does not renew', () => {
    expect(
      upcomingRenewal.detect(
        facts({ subscriptions: [annual(10, { cancelAtPeriodEnd: true, canceledAt: daysAgo(2) })] }),
        p,
      ),
    ).toBeNull();
  });
});

describe('future_cancellation', () => {
  it('fires while a cancellation is pending, dated when it was requested', () => {
    const sub = subscription({ canceledAt: daysAgo(3), cancelAt: daysAhead(12) });
    const d = futureCancellation.detect(facts({ subscriptions: [sub] }), {});
    expect(d?.occurredAt).toBe(daysAgo(3));
    expect(d?.explanation).toContain('ends on 2025-06-27, in 12 days');
  });

  it('cancel_at_period_end uses the period end', () => {
    const sub = subscription({
      canceledAt: daysAgo(1),
      cancelAtPeriodEnd: true,
      currentPeriodEnd: daysAhead(9),
    });
    expect(futureCancellation.detect(facts({ subscriptions: [sub] }), {})?.evidence.daysLeft).toBe(9);
  });

  it('not once it ended, and not before it was requested (replay)', () => {
    const ended = subscription({
      status: 'canceled',
      canceledAt: daysAgo(40),
      endedAt: daysAgo(10),
      cancelAt: daysAgo(10),
    });
    expect(futureCancellation.detect(facts({ subscriptions: [ended] }), {})).toBeNull();
    const pending = subscription({ canceledAt: daysAgo(3), cancelAt: daysAhead(12) });
    const before = new Date(Date.parse(daysAgo(5)));
    expect(
      futureCancellation.detect(facts({ now: before, subscriptions: [pending], live: false }), {}),
    ).toBeNull();
    const after = new Date(Date.parse(daysAgo(2)));
    expect(
      futureCancellation.detect(facts({ now: after, subscriptions: [pending], live: false }), {}),
    ).not.toBeNull();
  });
});

describe('arr_decrease', () => {
  const p = arrDecrease.defaults();
  const withPoints = (points: [number, number][], currentArr: number) =>
    subscription({
      points: points.map(([ago, arr]) => ({ at: daysAgo(ago), arr, seats: 1, plan: 'pro', seatLimit: null })),
      current: { arr: currentArr, seats: 1, plan: 'pro', seatLimit: null },
    });

  it('fires on exactly a 10 % decrease inside 60 days', () => {
    const d = arrDecrease.detect(
      facts({
        subscriptions: [
          withPoints(
            [
              [90, 10_000],
              [20, 9_000],
            ],
            9_000,
          ),
        ],
      }),
      p,
    );
    expect(d?.explanation).toBe(
      'ARR fell from $10,000 to $9,000 (−10 %) in the last 60 days (threshold 10 %).',
    );
    expect(d?.occurredAt).toBe(daysAgo(20));
  });

  it('stays quiet at 9 %', () => {
    expect(
      arrDecrease.detect(
        facts({
          subscriptions: [
            withPoints(
              [
                [90, 10_000],
                [20, 9_100],
              ],
              9_100,
            ),
          ],
        }),
        p,
      ),
    ).toBeNull();
  });

  it('a decrease older than the lookback does not count', () => {
    expect(
      arrDecrease.detect(
        facts({
          subscriptions: [
            withPoints(
              [
                [200, 10_000],
                [61, 5_000],
              ],
              5_000,
            ),
          ],
        }),
        p,
      ),
    ).toBeNull();
  });

  it('a canceled account is the churn itself, not a leading signal', () => {
    const ended = subscription({
      status: 'canceled',
      endedAt: daysAgo(3),
      points: [{ at: daysAgo(40), arr: 10_000, seats: 1, plan: 'pro', seatLimit: null }],
    });
    expect(arrDecrease.detect(facts({ subscriptions: [ended] }), p)).toBeNull();
  });

  it('sees a live downgrade before it is invoiced', () => {
    expect(
      arrDecrease.detect(facts({ subscriptions: [withPoints([[20, 10_000]], 6_000)] }), p)?.evidence
        .decreasePct,
    ).toBe(40);
  });
});

describe('high_nps and low_nps', () => {
  const answer = (score: number, ago: number, email: string | null = 'a@acme.io') => ({
    at: daysAgo(ago),
    score,
    email,
  });

  it('high: a 9 fires, an 8 does not', () => {
    expect(highNps.detect(facts({ nps: [answer(9, 5)] }), highNps.defaults())?.explanation).toContain(
      'NPS 9 from a@acme.io',
    );
    expect(highNps.detect(facts({ nps: [answer(8, 5)] }), highNps.defaults())).toBeNull();
  });

  it('low: a 6 fires, a 7 does not', () => {
    expect(lowNps.detect(facts({ nps: [answer(6, 5)] }), lowNps.defaults())).not.toBeNull();
    expect(lowNps.detect(facts({ nps: [answer(7, 5)] }), lowNps.defaults())).toBeNull();
  });

  it('a respondent’s latest answer wins', () => {
    expect(lowNps.detect(facts({ nps: [answer(2, 30), answer(9, 5)] }), lowNps.defaults())).toBeNull();
    expect(highNps.detect(facts({ nps: [answer(2, 30), answer(9, 5)] }), highNps.defaults())).not.toBeNull();
  });

  it('answers older than the window do not count', () => {
    expect(lowNps.detect(facts({ nps: [answer(0, 90)] }), lowNps.defaults())).toBeNull();
    expect(lowNps.detect(facts({ nps: [answer(0, 89)] }), lowNps.defaults())?.strength).toBe(1);
  });
});

describe('health_score_decrease', () => {
  const p = healthScoreDecrease.defaults();

  it('fires on a 15-point fall inside 14 days, not 14 points', () => {
    const d = healthScoreDecrease.detect(
      facts({
        health: [
          { daysAgo: 10, health: 80 },
          { daysAgo: 0, health: 65 },
        ],
      }),
      p,
    );
    expect(d?.explanation).toBe(
      'Health fell 15 points, from 80 on 2025-06-04 to 65 on 2025-06-14 (threshold 15).',
    );
    expect(
      healthScoreDecrease.detect(
        facts({
          health: [
            { daysAgo: 10, health: 80 },
            { daysAgo: 0, health: 66 },
          ],
        }),
        p,
      ),
    ).toBeNull();
  });

  it('the value in force when the lookback starts counts; a fall completed before it does not', () => {
    // Health was 90 until yesterday: within the last 14 days it fell 40 points.
    expect(
      healthScoreDecrease.detect(
        facts({
          health: [
            { daysAgo: 30, health: 90 },
            { daysAgo: 0, health: 50 },
          ],
        }),
        p,
      )?.evidence.drop,
    ).toBe(40);
    // It fell 20 days ago and has held since.
    expect(
      healthScoreDecrease.detect(
        facts({
          health: [
            { daysAgo: 30, health: 90 },
            { daysAgo: 20, health: 50 },
          ],
        }),
        p,
      ),
    ).toBeNull();
  });

  it('is never replayed: past health is not a source fact', () => {
    expect(healthScoreDecrease.replayable).toBe(false);
  });
});
