import type { Kysely } from 'kysely';
import type { DB } from '../db/schema/index.js';
import type { EnrichmentSource } from './enrich.js';

const BATCH = 1_000;

/**
 * The domains to enrich: every account's domain (src/accounts), in batches.
 *
 * @example
 * const source = accountsEnrichmentSource(rt.db.kysely);
 * const plan = await planEnrich({ ...rt, enrichmentSource: source }, ws);
 */
export function accountsEnrichmentSource(db: Kysely<DB>): EnrichmentSource {
  return {
    async *domains(workspaceId) {
      let after = '';
      for (;;) {
        const rows = await db
          .selectFrom('accounts')
          .select('domain')
          .where('workspace_id', '=', workspaceId)
          .where('domain', '>', after)
          .orderBy('domain')
          .limit(BATCH)
          .execute();
        if (rows.length === 0) return;
        yield rows.map((r) => r.domain);
        if (rows.length < BATCH) return;
        after = rows[rows.length - 1]!.domain;
      }
    },
  };
}
