/** One charge: what was asked, what it cost. A found-nothing answer is recorded at 0 credits. */
export interface LedgerEntry {
  at: string;
  endpoint: string;
  /** The domain or email the credit was spent on. */
  subject: string;
  credits: number;
}

/**
 * The credits a team has spent. Apollo charges per enriched record (about 1 per company, 1 per
 * person and 8 more for a revealed phone number) and nothing when it finds nothing, so tests and
 * benches can check Beton never pays twice for the same domain.
 *
 * @example
 * const ledger = new CreditLedger();
 * ledger.charge('organizations/enrich', 'acme.com', 1, now);
 * ledger.spent; // 1
 */
export class CreditLedger {
  readonly entries: LedgerEntry[] = [];
  spent = 0;

  charge(endpoint: string, subject: string, credits: number, at: Date): void {
    this.entries.push({ at: at.toISOString(), endpoint, subject, credits });
    this.spent += credits;
  }

  /** Credits spent on one subject: more than 1 for a domain means it was paid for twice. */
  spentOn(subject: string): number {
    return this.entries.filter((e) => e.subject === subject).reduce((sum, e) => sum + e.credits, 0);
  }

  /** Subjects charged more than once (the "never re-spend" check). */
  chargedTwice(): string[] {
    const seen = new Map<string, number>();
    for (const e of this.entries) if (e.credits > 0) seen.set(e.subject, (seen.get(e.subject) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([s]) => s);
  }
}
