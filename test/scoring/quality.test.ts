import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRows, scoreWorld, type WorldRun } from './dataset-world.js';

/**
 * The quality bar on the synthetic world: after syncing PostHog and Stripe through the real
 * integrations and one score run, Beton's own backtest (signals replayed over the history against
 * the outcomes in Stripe) shows lift > 1 for the expansion signals against upgrades and seat
 * expansions, and for the churn signals against churn. The dataset plants leading behaviour for
 * these signals; `incomplete_onboarding` has none planted behind churn and `health_score_decrease`
 * cannot be replayed, so they are not held to it.
 */

const EXPANSION = [
  'usage_spike',
  'nearing_paywall',
  'approaching_seat_limit',
  'overage',
  'director_signup',
  'free_decision_maker',
  'new_department_user',
  'invites_sent',
  'upgrade_page_visit',
  'high_nps',
];
const CHURN = [
  'usage_drop',
  'usage_wow_decline',
  'inactivity',
  'future_cancellation',
  'arr_decrease',
  'low_nps',
];

let world: WorldRun;

beforeAll(async () => {
  world = await scoreWorld({ seed: 'quality', companies: 300, now: '2025-06-01T00:00:00.000Z' });
  if (process.env.BETON_PRINT_BACKTEST) {
    process.stderr.write(
      `${formatRows(world.backtest)}\n--- now vs planted futures\n${formatRows(world.truth)}\n`,
    );
  }
}, 600_000);

afterAll(() => world?.close());

describe('backtest on the synthetic world', () => {
  it.each(EXPANSION)('%s: lift > 1 against upgrades and seat expansions', (signal) => {
    const row = world.backtest.find((r) => r.signal === signal && r.outcome === 'expansion')!;
    expect(row.firedHits).toBeGreaterThan(0);
    expect(row.lift).toBeGreaterThan(1);
  });

  it.each(CHURN)('%s: lift > 1 against churn', (signal) => {
    const row = world.backtest.find((r) => r.signal === signal && r.outcome === 'churn')!;
    expect(row.firedHits).toBeGreaterThan(0);
    expect(row.lift).toBeGreaterThan(1);
  });

  it('signals firing now point at the planted futures', () => {
    const lift = (signal: string, outcome: 'expansion' | 'churn') =>
      world.truth.find((r) => r.signal === signal && r.outcome === outcome)!.lift;
    expect(lift('upgrade_page_visit', 'expansion')).toBeGreaterThan(1);
    expect(lift('invites_sent', 'expansion')).toBeGreaterThan(1);
    expect(lift('future_cancellation', 'churn')).toBeGreaterThan(1);
  });
});
