import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { type EnrichmentServiceDeps, startEnrich } from '../../src/enrichment/index.js';
import { type ApolloWorld, createApolloSimulator } from '../../src/integrations/apollo/simulator/index.js';
import { createRegistry, integrations } from '../../src/integrations/index.js';
import type { BenchSuite } from '../types.js';

/** A world where Apollo knows 9 in 10 domains. */
function world(domains: string[]): ApolloWorld {
  const organizationByDomain = new Map(
    domains
      .filter((_, i) => i % 10 !== 9)
      .map((domain, i) => [
        domain,
        {
          id: `org_${i}`,
          name: domain,
          website_url: `http://www.${domain}`,
          primary_domain: domain,
          industry: 'computer software',
          estimated_num_employees: 50 + i,
          annual_revenue: 1_000_000 + i,
          annual_revenue_printed: '1M',
          total_funding: null,
          latest_funding_stage: null,
          founded_year: 2015,
          country: 'United States',
          city: 'Austin',
          technology_names: [],
          linkedin_url: '',
          short_description: '',
        },
      ]),
  );
  return { organizationByDomain, personByEmail: new Map(), personByNameAtDomain: new Map() };
}

/**
 * Enrich N account domains through the Apollo simulator (paid plan), then enrich again inside the
 * freshness window: the calls must be bulk (10 domains each) and no credit spent twice.
 */
export const enrichApollo: BenchSuite = {
  name: 'enrich-apollo',
  description: 'Apollo enrichment in bulk, then again within the freshness window',
  async run(ctx) {
    const count = Math.max(500, Math.round(10_000 * ctx.scale));
    const domains = Array.from({ length: count }, (_, i) => `company-${i}.example.com`);
    const sim = createApolloSimulator({
      world: world(domains),
      keys: [{ apiKey: 'apollo_bench_key', plan: 'professional' }],
    });
    await sim.listen();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-enrich-'));
    const db = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.sqlite') });
    try {
      await migrateToLatest(db.kysely);
      const deps: EnrichmentServiceDeps = {
        db,
        keyring: Keyring.fromSpec(Keyring.generateSpec('b1')),
        logger: createLogger({ level: 'silent' }),
        clock: systemClock,
        config: { BETON_ALLOW_PRIVATE_HOSTS: true },
        integrations: createRegistry(integrations),
        env: {},
        enrichmentSource: {
          async *domains() {
            for (let i = 0; i < domains.length; i += 1000) yield domains.slice(i, i + 1000);
          },
        },
      };
      const workspaceId = 'bench';
      const actor = { actorType: 'system' as const, actorId: null };
      await putConnection(deps, { workspaceId, audit: actor }, 'apollo', {
        credentials: { apiKey: 'apollo_bench_key' },
        settings: { baseUrl: `${sim.url}/api/v1` },
      });
      const calls = () =>
        (sim.counters.byRoute['POST /api/v1/organizations/bulk_enrich'] ?? 0) +
        (sim.counters.byRoute['GET /api/v1/organizations/enrich'] ?? 0);
      const ledger = sim.ledger('apollo_bench_key');

      const first = await (await startEnrich(deps, workspaceId, { trigger: 'bench', actor })).done;
      const firstCalls = calls();
      const firstCredits = ledger.spent;
      ctx.log(`first run ${first.status}: ${firstCalls} calls, ${firstCredits} credits for ${count} domains`);
      const second = await (await startEnrich(deps, workspaceId, { trigger: 'bench', actor })).done;
      const secondCredits = ledger.spent - firstCredits;
      ctx.log(`second run ${second.status}: ${calls() - firstCalls} calls, ${secondCredits} credits`);
      return [
        {
          metric: `calls for ${count.toLocaleString('en-US')} domains`,
          value: firstCalls,
          unit: 'calls',
          target: { op: '<=', value: Math.ceil(count / 10) },
          note: `${first.status}; ${firstCredits} credits (1 per company found); ${sim.counters.rateLimited} answers 429`,
        },
        {
          metric: 'credits re-spent within freshness',
          value: secondCredits + ledger.chargedTwice().length,
          unit: 'credits',
          target: { op: '<=', value: 0 },
          note: `second run ${second.status}: ${calls() - firstCalls} calls, ${second.counts.fresh} domains fresh`,
        },
      ];
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      await sim.close();
    }
  },
};
