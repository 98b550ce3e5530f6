import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { createIntegrationClient } from '../../src/integrations/client-factory.js';
import type { HubspotClient } from '../../src/integrations/hubspot/client.js';
import hubspot from '../../src/integrations/hubspot/index.js';
import { createHubspotSimulator } from '../../src/integrations/hubspot/simulator/index.js';
import type { ObjectState } from '../../src/integrations/hubspot/streams.js';
import type { BenchSuite } from '../types.js';

/**
 * HubSpot's incremental companies pass: 100,000 companies in the simulator (its limits on), the
 * state a finished full pass leaves (search from the time it began), then 1,000 companies modified
 * after it. The pass searches by `hs_lastmodifieddate` from that time, 200 a page: requests counted
 * at the simulator, against the 1,000 list pages a full pass would need. Targets: ≤ 15 requests, and
 * every changed company read.
 */
export const hubspotIncremental: BenchSuite = {
  name: 'hubspot-incremental',
  description: 'HubSpot incremental sync: 1,000 changed companies out of 100,000, requests counted',
  async run(ctx) {
    const total = Math.max(10_000, Math.round(100_000 * ctx.scale));
    const changed = Math.max(100, Math.round(1_000 * ctx.scale));
    const sim = createHubspotSimulator();
    const url = await sim.listen();
    try {
      const base = Date.now() - 30 * 86_400_000;
      const companies = Array.from({ length: total }, (_, i) =>
        sim.store.create(
          'companies',
          { domain: `co-${i}.example.com`, name: `Company ${i}` },
          'IMPORT',
          base + i,
        ),
      );
      // The full pass ended a day ago; its state: search from when it began (less the overlap).
      const since = new Date(Date.now() - 86_400_000).toISOString();
      const state: ObjectState = { phase: 'search', since, after: null };
      const stride = Math.floor(total / changed);
      const modified = new Set<string>();
      for (let j = 0; j < changed; j++) {
        const company = companies[j * stride]!;
        sim.store.set(
          company,
          { name: `${company.properties.name} (renamed)` },
          'CRM_UI',
          Date.now() - 3_600_000 + j,
        );
        modified.add(company.id);
      }
      const logger = createLogger({ level: 'silent' });
      const client = createIntegrationClient(
        hubspot,
        {
          workspaceId: 'bench',
          connectionId: 'bench',
          credentials: { apiKey: sim.apiKey },
          settings: { baseUrl: url },
        },
        { logger, clock: systemClock, allowPrivateHosts: true },
      ).client as HubspotClient;
      const before = sim.counters.total;
      const started = performance.now();
      const seen = new Set<string>();
      let pages = 0;
      let last: ObjectState | null = null;
      for await (const page of hubspot.streams.companies.read(client, state, {
        signal: new AbortController().signal,
        logger,
        clock: systemClock,
        full: false,
        lastSuccessAt: null,
        connectionId: 'bench',
        workspaceId: 'bench',
        settings: {},
      })) {
        pages += 1;
        for (const r of page.records) seen.add(r.id);
        last = page.state;
      }
      const requests = sim.counters.total - before;
      const missed = [...modified].filter((id) => !seen.has(id)).length;
      const seconds = (performance.now() - started) / 1000;
      ctx.log(
        `${requests} requests, ${pages} pages, ${seen.size} companies read (${modified.size} changed, ${missed} missed) in ${seconds.toFixed(1)} s; next pass searches from ${last && last.phase === 'search' ? last.since : '?'}`,
      );
      return [
        {
          metric: `requests for ${changed.toLocaleString('en-US')} changed of ${total.toLocaleString('en-US')}`,
          value: requests,
          unit: 'requests',
          target: { op: '<=', value: 15 },
          note: `a full pass lists ${Math.ceil(total / 100).toLocaleString('en-US')} pages; ${sim.counters.rateLimited} answered 429`,
        },
        {
          metric: 'changed companies missed',
          value: missed,
          unit: '',
          target: { op: '<=', value: 0 },
          note: `${seen.size} read in ${pages} pages`,
        },
      ];
    } finally {
      await sim.close();
    }
  },
};
