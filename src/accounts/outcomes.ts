import { DAY_MS, toMs } from './days.js';
import type { AccountHistory } from './facts.js';

/**
 * Revenue outcomes read back from billing history and CRM deals: what the backtest checks signals
 * against. `expansion` = an upgrade (plan or price up, free/trial → paid), added seats, or a deal
 * won; `churn` = a requested cancellation or an ended subscription.
 */
export type OutcomeKind =
  | 'upgrade'
  | 'seat_expansion'
  | 'contraction'
  | 'cancellation'
  | 'churn'
  | 'deal_won';
export type OutcomeClass = 'expansion' | 'churn';

export interface Outcome {
  at: string;
  kind: OutcomeKind;
  /** The subscription (or, for a deal won, the deal) the outcome belongs to. */
  subscriptionId: string;
  detail: string;
}

export const OUTCOME_CLASS: Record<OutcomeKind, OutcomeClass | null> = {
  upgrade: 'expansion',
  seat_expansion: 'expansion',
  contraction: null,
  cancellation: 'churn',
  churn: 'churn',
  deal_won: 'expansion',
};

/** Days a free account must exist before its first paid invoice counts as an upgrade. */
const FREE_PERIOD_DAYS = 7;

/**
 * Every dated billing outcome in an account's history, oldest first.
 *
 * @example
 * billingOutcomes(history).filter((o) => OUTCOME_CLASS[o.kind] === 'churn');
 */
export function billingOutcomes(history: AccountHistory): Outcome[] {
  const outcomes: Outcome[] = [];
  const firstPaid = history.subscriptions
    .flatMap((s) => s.points.filter((p) => p.arr > 0).map((p) => ({ sub: s, at: p.at })))
    .sort((a, b) => toMs(a.at) - toMs(b.at))[0];
  for (const sub of history.subscriptions) {
    let previous = sub.points[0];
    if (previous && previous.arr > 0 && firstPaid?.sub === sub && firstPaid.at === previous.at) {
      const trialled = sub.trialEnd !== null;
      const freeBefore =
        history.signupAt !== null && toMs(previous.at) - toMs(history.signupAt) >= FREE_PERIOD_DAYS * DAY_MS;
      if (trialled || freeBefore) {
        outcomes.push({
          at: previous.at,
          kind: 'upgrade',
          subscriptionId: sub.id,
          detail: `${trialled ? 'trial' : 'free'} → paid (ARR ${round(previous.arr)})`,
        });
      }
    }
    for (const point of sub.points.slice(1)) {
      const prior = previous!;
      if (point.seats > prior.seats) {
        outcomes.push({
          at: point.at,
          kind: 'seat_expansion',
          subscriptionId: sub.id,
          detail: `seats ${prior.seats} → ${point.seats}`,
        });
      } else if (point.arr > prior.arr * 1.01) {
        const plans = prior.plan !== point.plan ? ` (${prior.plan ?? '?'} → ${point.plan ?? '?'})` : '';
        outcomes.push({
          at: point.at,
          kind: 'upgrade',
          subscriptionId: sub.id,
          detail: `ARR ${round(prior.arr)} → ${round(point.arr)}${plans}`,
        });
      } else if (point.arr < prior.arr * 0.99 || point.seats < prior.seats) {
        outcomes.push({
          at: point.at,
          kind: 'contraction',
          subscriptionId: sub.id,
          detail: `ARR ${round(prior.arr)} → ${round(point.arr)}`,
        });
      }
      previous = point;
    }
    // A trial that ends unpaid is a lost conversion, not revenue churn.
    const everPaid = sub.points.some((p) => p.arr > 0) || (sub.current.arr > 0 && sub.trialEnd === null);
    if (!everPaid) continue;
    if (sub.canceledAt && (sub.cancelAtPeriodEnd || sub.cancelAt || sub.endedAt)) {
      outcomes.push({
        at: sub.canceledAt,
        kind: 'cancellation',
        subscriptionId: sub.id,
        detail: 'cancellation requested',
      });
    }
    if (sub.endedAt)
      outcomes.push({ at: sub.endedAt, kind: 'churn', subscriptionId: sub.id, detail: 'subscription ended' });
  }
  return outcomes.sort((a, b) => toMs(a.at) - toMs(b.at) || a.kind.localeCompare(b.kind));
}

const round = (n: number) => Math.round(n);

/**
 * Every dated deal won in an account's history (a CRM's closed-won deals), oldest first.
 *
 * @example dealOutcomes({ ...history, deals: [{ id: 'd1', status: 'won', amount: 12000, closedAt: '2025-03-01T00:00:00.000Z' }] })
 */
export function dealOutcomes(history: AccountHistory): Outcome[] {
  return (history.deals ?? [])
    .filter((d) => d.status === 'won' && d.closedAt !== null)
    .map((d) => ({
      at: d.closedAt!,
      kind: 'deal_won' as const,
      subscriptionId: d.id,
      detail: d.amount !== null ? `deal won (${round(d.amount)})` : 'deal won',
    }))
    .sort((a, b) => toMs(a.at) - toMs(b.at));
}

/** Billing outcomes and deals won together, oldest first: what the backtest checks signals against. */
export function revenueOutcomes(history: AccountHistory): Outcome[] {
  return [...billingOutcomes(history), ...dealOutcomes(history)].sort(
    (a, b) => toMs(a.at) - toMs(b.at) || a.kind.localeCompare(b.kind),
  );
}
