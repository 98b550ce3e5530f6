/**
 * A sales deal as the domain reads it. A deal won is a revenue outcome beside billing's: the backtest
 * checks signals against it too, so a workspace that bills outside a connected billing source still
 * gets one.
 */
export interface DealFact {
  id: string;
  status: 'won' | 'lost' | 'open';
  /** The deal's amount in the CRM's currency, when it has one. */
  amount: number | null;
  /** When it closed (won or lost); null while open. */
  closedAt: string | null;
}
