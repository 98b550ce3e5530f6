import { describe, expect, it } from 'vitest';
import { type AccountHistory, billingOutcomes, DAY_MS, dayNumber } from '../../src/accounts/index.js';
import {
  applyTally,
  backtestRows,
  emptyTotals,
  gridDays,
  lastMatureGridDay,
  tallyAccount,
} from '../../src/scoring/backtest.js';
import { subscription } from '../signals/facts-builder.js';

const day = (iso: string) => dayNumber(iso);
const at = (iso: string) => new Date(iso).toISOString();

const history = (over: Partial<AccountHistory> = {}): AccountHistory => ({
  observedAt: at('2025-06-01'),
  signupAt: at('2024-01-01'),
  persons: [],
  subscriptions: [],
  nps: [],
  ...over,
});

describe('billing outcomes', () => {
  it('reads seat expansions, upgrades, trial conversions, cancellations and churn from Stripe history', () => {
    const grown = subscription({
      id: 'sub_grow',
      trialStart: at('2025-01-01'),
      trialEnd: at('2025-01-15'),
      canceledAt: at('2025-05-01'),
      cancelAt: at('2025-05-20'),
      endedAt: at('2025-05-20'),
      points: [
        { at: at('2025-01-01'), arr: 0, seats: 5, plan: 'pro', seatLimit: null },
        { at: at('2025-01-15'), arr: 2400, seats: 5, plan: 'pro', seatLimit: null },
        { at: at('2025-03-01'), arr: 3840, seats: 8, plan: 'pro', seatLimit: null },
        { at: at('2025-04-01'), arr: 9000, seats: 8, plan: 'enterprise', seatLimit: null },
      ],
    });
    const kinds = billingOutcomes(history({ subscriptions: [grown] })).map((o) => [
      o.kind,
      o.at.slice(0, 10),
    ]);
    expect(kinds).toEqual([
      ['upgrade', '2025-01-15'],
      ['seat_expansion', '2025-03-01'],
      ['upgrade', '2025-04-01'],
      ['cancellation', '2025-05-01'],
      ['churn', '2025-05-20'],
    ]);
  });

  it('a trial that ends unpaid is not churn', () => {
    const expired = subscription({
      trialStart: at('2025-01-01'),
      trialEnd: at('2025-01-15'),
      canceledAt: at('2025-01-15'),
      endedAt: at('2025-01-15'),
      current: { arr: 0, seats: 3, plan: 'pro', seatLimit: null },
      points: [{ at: at('2025-01-01'), arr: 0, seats: 3, plan: 'pro', seatLimit: null }],
    });
    expect(billingOutcomes(history({ subscriptions: [expired] }))).toEqual([]);
  });
});

describe('grid', () => {
  it('weekly Sundays, and the last one whose 30-day horizon has passed', () => {
    const grid = gridDays(day('2025-05-01'), day('2025-05-31'));
    expect(grid.map((d) => new Date(d * DAY_MS).toISOString().slice(0, 10))).toEqual([
      '2025-05-04',
      '2025-05-11',
      '2025-05-18',
      '2025-05-25',
    ]);
    const last = lastMatureGridDay(new Date('2025-06-30T12:00:00Z'));
    expect(new Date(last * DAY_MS).toISOString().slice(0, 10)).toBe('2025-05-25');
  });
});

describe('tallies and totals', () => {
  const grid = gridDays(day('2025-02-01'), day('2025-04-30'));
  const paying = subscription({
    createdAt: at('2024-06-01'),
    points: [
      { at: at('2025-01-01'), arr: 2400, seats: 5, plan: 'pro', seatLimit: null },
      { at: at('2025-03-20'), arr: 3840, seats: 8, plan: 'pro', seatLimit: null },
    ],
  });
  const grower = tallyAccount(
    {
      history: history({ subscriptions: [paying] }),
      firstActivityDay: null,
      occurrences: [
        { key: 'invites_sent', firstSeenAt: at('2025-03-03'), lastSeenAt: at('2025-03-10'), open: false },
      ],
    },
    grid,
  );
  const quiet = tallyAccount({ history: history(), firstActivityDay: null, occurrences: [] }, grid);

  it('counts the weeks a signal was active and the ones followed by an outcome within 30 days', () => {
    // Active in the weeks ending 2025-03-02 and 03-09; seats added 03-20, inside both horizons.
    expect(grower.signals.invites_sent).toEqual({ fired: [2, 2], hits: [2, 0], leads: [[17, 17], []] });
    expect(grower.units).toEqual([grid.length, grid.length]);
    expect(quiet.units).toEqual([grid.length, 0]);
    expect(quiet.hits).toEqual([0, 0]);
  });

  it('precision, base rate, lift and median lead; removing a tally undoes it', () => {
    const totals = emptyTotals();
    applyTally(totals, grower, 1);
    applyTally(totals, quiet, 1);
    const [expansion] = backtestRows(totals, ['invites_sent']);
    const otherUnits = 2 * grid.length - 2;
    const otherHits = grower.hits[0] - 2;
    expect(expansion).toMatchObject({
      firedUnits: 2,
      firedHits: 2,
      precision: 1,
      otherUnits,
      otherHits,
      medianLeadDays: 17,
      supportAccounts: 1,
    });
    expect(expansion!.lift).toBeCloseTo(1 / (otherHits / otherUnits), 3);
    applyTally(totals, grower, -1);
    expect(backtestRows(totals, ['invites_sent'])[0]).toMatchObject({
      firedUnits: 0,
      supportAccounts: 0,
      medianLeadDays: null,
    });
  });
});
