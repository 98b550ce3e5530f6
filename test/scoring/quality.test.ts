import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_DETECTORS } from '../../src/signals/catalog.js';
import { formatRows, scoreWorld, type WorldRun } from './dataset-world.js';

/**
 * The quality bar on the synthetic world (seed `quality`, 300 companies, a fixed "now"): after
 * syncing PostHog and Stripe through the real integrations and one score run, Beton's own backtest
 * (signals replayed over the history against the outcomes in Stripe) shows lift > 1 for every
 * expansion signal against upgrades and seat expansions, and for every churn signal against churn.
 *
 * A signal is held to it once it fired for at least MIN_SUPPORT accounts in its outcome class, and
 * every replayable expansion and churn signal must reach that support here, so none passes by
 * staying silent. `health_score_decrease` is the exception: it reads Beton's own past health
 * scores, which a replay cannot reconstruct, so in a world scored once it has nothing to read.
 *
 * `BETON_PRINT_BACKTEST=1 npx vitest run test/scoring/quality.test.ts` prints the tables.
 */

const MIN_SUPPORT = 3;

const graded = BUILT_IN_DETECTORS.filter((d) => d.direction === 'expansion' || d.direction === 'churn');
const replayable = graded.filter((d) => d.replayable);

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

const rowOf = (key: string, outcome: 'expansion' | 'churn') =>
  world.backtest.find((r) => r.signal === key && r.outcome === outcome)!;

describe('backtest on the synthetic world', () => {
  it('holds every expansion and churn signal but health_score_decrease to the bar', () => {
    expect(graded.filter((d) => !d.replayable).map((d) => d.key)).toEqual(['health_score_decrease']);
    expect(replayable.length).toBeGreaterThanOrEqual(15);
  });

  it.each(replayable.map((d) => [d.key, d.direction as 'expansion' | 'churn'] as const))(
    '%s: fires for enough accounts and has lift > 1 against %s',
    (key, outcome) => {
      const row = rowOf(key, outcome);
      expect(row.supportAccounts).toBeGreaterThanOrEqual(MIN_SUPPORT);
      expect(row.firedHits).toBeGreaterThan(0);
      expect(row.lift).toBeGreaterThan(1);
    },
  );

  it('health_score_decrease has nothing to replay after a single run', () => {
    expect(rowOf('health_score_decrease', 'churn').firedUnits).toBe(0);
  });

  it('signals firing now point at the planted futures', () => {
    const lift = (signal: string, outcome: 'expansion' | 'churn') =>
      world.truth.find((r) => r.signal === signal && r.outcome === outcome)!.lift;
    expect(lift('upgrade_page_visit', 'expansion')).toBeGreaterThan(1);
    expect(lift('invites_sent', 'expansion')).toBeGreaterThan(1);
    expect(lift('future_cancellation', 'churn')).toBeGreaterThan(1);
  });
});
