import type { AttioSimulator } from '../../../src/integrations/attio/simulator/index.js';
import type { PushAccount } from '../../../src/push/index.js';

/**
 * Accounts as a score run hands them to the push, deterministic from their count (a child process
 * rebuilds the same list), and what the Attio simulator holds for them afterwards.
 *
 * @example
 * const accounts = pushAccounts(30);
 * attioCompanies(sim).get('rel7.example')?.history('beton_health'); // [{ value: 57 }]
 */
export function pushAccounts(count: number): PushAccount[] {
  return Array.from({ length: count }, (_, i) => ({
    accountId: `acc_rel_${i}`,
    domain: `rel${i}.example`,
    name: `Reliability ${i}`,
    fields: {
      beton_health: 40 + (i % 50),
      beton_expansion: 20 + (i % 60),
      beton_churn_risk: 5 + (i % 35),
      beton_fit: 60,
      beton_grade: `M${50 + (i % 5) * 10}`,
      beton_top_signals: i % 2 ? 'usage_spike' : 'seat_limit_near',
      beton_scored_at: '2025-05-01T00:00:00.000Z',
    },
  }));
}

export interface StoredCompany {
  /** Company records holding this domain (1 = no duplicate). */
  count: number;
  /** Every version the attribute has had, oldest first, as plain values. */
  history(attribute: string): unknown[];
}

/** The simulator's companies by domain. */
export function attioCompanies(sim: AttioSimulator): Map<string, StoredCompany> {
  const out = new Map<string, StoredCompany>();
  for (let offset = 0; ; offset += 500) {
    const page = sim.store.queryRecords('companies', { limit: 500, offset });
    for (const record of page) {
      const domains = (record.values.domains ?? []) as { domain?: string }[];
      for (const { domain } of domains) {
        if (!domain) continue;
        const seen = out.get(domain);
        if (seen) {
          seen.count++;
          continue;
        }
        const recordId = record.id.record_id;
        out.set(domain, {
          count: 1,
          history: (attribute) =>
            sim.store
              .attributeValues('companies', recordId, attribute, true)
              .map((v) => normalize((v as { value?: unknown }).value)),
        });
      }
    }
    if (page.length < 500) break;
  }
  return out;
}

/** Timestamps compare as instants (the CRM may render them with another precision). */
function normalize(value: unknown): unknown {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) return new Date(value).toISOString();
  return value;
}
