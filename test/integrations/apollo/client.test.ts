import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, systemClock } from '../../../src/core/clock.js';
import { PermissionError, ValidationError } from '../../../src/core/http/index.js';
import { createLogger } from '../../../src/core/logger.js';
import apollo, { ApolloClient, ApolloWindowExhaustedError } from '../../../src/integrations/apollo/index.js';
import {
  type ApolloSimulator,
  createApolloSimulator,
} from '../../../src/integrations/apollo/simulator/index.js';
import { createIntegrationClient } from '../../../src/integrations/client-factory.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';

const logger = createLogger({ level: 'silent' });
const dataset = generateDataset({ seed: 'apollo-client', companies: 40 });
const known = dataset.firmographics.filter((f) => f.found).map((f) => f.domain);
const unknown = dataset.firmographics.filter((f) => !f.found).map((f) => f.domain);

function http(sim: ApolloSimulator, apiKey: string) {
  return createIntegrationClient(
    apollo,
    {
      workspaceId: 'ws',
      connectionId: `c-${apiKey}`,
      credentials: { apiKey },
      settings: { baseUrl: `${sim.url}/api/v1` },
    },
    {
      logger,
      clock: systemClock,
      allowPrivateHosts: true,
      http: { retry: { baseDelayMs: 10, maxAttempts: 2 } },
    },
  );
}

let sim: ApolloSimulator;
beforeAll(async () => {
  sim = createApolloSimulator({
    dataset,
    keys: [
      { apiKey: 'apollo_paid_key_01', plan: 'professional' },
      { apiKey: 'apollo_free_key_01', plan: 'free', inaccessible: ['organizations/bulk_enrich'] },
    ],
  });
  await sim.listen();
});
afterAll(() => sim.close());

describe('Apollo client against the simulator', () => {
  it('validates a key through /auth/health and refuses an unknown one', async () => {
    const ok = http(sim, 'apollo_paid_key_01').client as ApolloClient;
    await expect(apollo.validate(ok)).resolves.toMatchObject({
      accountLabel: expect.stringContaining('auth/health'),
    });
    const bad = http(sim, 'apollo_wrong_key_01').client as ApolloClient;
    await expect(apollo.validate(bad)).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('bulk-enriches 10 domains in one call, paying 1 credit per company found and 0 for unknown ones', async () => {
    const client = http(sim, 'apollo_paid_key_01').client as ApolloClient;
    const ledger = sim.ledger('apollo_paid_key_01');
    const before = ledger.spent;
    const calls = sim.counters.byRoute['POST /api/v1/organizations/bulk_enrich'] ?? 0;
    const domains = [...known.slice(0, 8), ...unknown.slice(0, 2)];
    const result = await client.bulkEnrichOrganizations(
      domains.map((d, i) => (i === 0 ? `https://www.${d}/` : d)),
    );
    expect(result.size).toBe(10);
    expect([...result.values()].filter(Boolean)).toHaveLength(8);
    for (const d of unknown.slice(0, 2)) expect(result.get(d)).toBeNull();
    expect(result.get(known[1]!)?.industry).toBe(
      dataset.firmographics.find((f) => f.domain === known[1])!.organization!.industry,
    );
    expect(ledger.spent - before).toBe(8);
    expect((sim.counters.byRoute['POST /api/v1/organizations/bulk_enrich'] ?? 0) - calls).toBe(1);
    expect(client.rate.minute).toMatchObject({ limit: 1000, left: expect.any(Number) });
    await expect(client.bulkEnrichOrganizations(known.slice(0, 11))).rejects.toMatchObject({ status: 400 });
  });

  it('enriches one domain; an unknown domain answers null', async () => {
    const client = http(sim, 'apollo_paid_key_01').client as ApolloClient;
    expect((await client.enrichOrganization(known[0]!))?.primary_domain).toBe(known[0]);
    expect(await client.enrichOrganization(unknown[0]!)).toBeNull();
  });

  it("surfaces the plan's 403 API_INACCESSIBLE and a 422 with Apollo's own words", async () => {
    const client = http(sim, 'apollo_free_key_01').client as ApolloClient;
    const error = await client.bulkEnrichOrganizations(known.slice(0, 2)).catch((e) => e);
    expect(error).toBeInstanceOf(PermissionError);
    expect(error.message).toContain('is not accessible with this api_key on a free plan');
    const invalid = await client.enrichOrganization('not a domain').catch((e) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.message).toContain('valid domain');
  });

  it('matches people by email and by name at a domain', async () => {
    const client = http(sim, 'apollo_paid_key_01').client as ApolloClient;
    const p = dataset.people.find((x) => !x.freeMail)!;
    const domain = dataset.companyById.get(p.companyId)!.domain;
    expect((await client.matchPerson({ email: p.email }))?.title).toBe(p.title);
    const [byName, none] = await client.bulkMatchPeople([
      { first_name: p.firstName, last_name: p.lastName, domain },
      { email: 'nobody@nowhere.example' },
    ]);
    expect(byName?.email).toBe(p.email.toLowerCase());
    expect(none).toBeNull();
  });
});

describe('Apollo fixed windows', () => {
  it('waits for the next minute when x-minute-requests-left reaches 0, and stops when the hour is spent', async () => {
    let now = Date.parse('2025-03-01T10:00:10Z');
    const clock: Clock = { now: () => new Date(now) };
    const windows = createApolloSimulator({
      dataset,
      keys: [{ apiKey: 'apollo_tiny_key_01', plan: 'free' }],
      limits: { free: { minute: 2, hour: 3, day: 100 } },
      now: () => now,
    });
    await windows.listen();
    try {
      const waits: number[] = [];
      const client = new ApolloClient(http(windows, 'apollo_tiny_key_01').http, clock, async (ms) => {
        waits.push(ms);
        now += ms;
      });
      await client.enrichOrganization(known[0]!);
      await client.enrichOrganization(known[1]!);
      expect(client.rate.minute).toEqual({ limit: 2, left: 0 });
      await client.enrichOrganization(known[2]!);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(49_000);
      expect(windows.counters.rateLimited).toBe(0);
      expect(client.rate.hour).toEqual({ limit: 3, left: 0 });
      await expect(client.enrichOrganization(known[3]!)).rejects.toBeInstanceOf(ApolloWindowExhaustedError);
    } finally {
      await windows.close();
    }
  });

  it('answers a refused request with 429, the headers and no credit', async () => {
    const now = Date.parse('2025-03-01T10:00:10Z');
    const windows = createApolloSimulator({
      dataset,
      keys: [{ apiKey: 'apollo_tiny_key_02', plan: 'free' }],
      limits: { free: { minute: 1, hour: 10, day: 100 } },
      retryAfterOn429: true,
      now: () => now,
    });
    const url = await windows.listen();
    try {
      const call = () =>
        fetch(`${url}/api/v1/organizations/enrich?domain=${known[0]}`, {
          headers: { 'x-api-key': 'apollo_tiny_key_02' },
        });
      expect((await call()).status).toBe(200);
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-minute-requests-left')).toBe('0');
      expect(refused.headers.get('retry-after')).toBe('50');
      expect(await refused.json()).toMatchObject({ message: expect.stringContaining('per minute') });
      expect(windows.ledger().spent).toBe(1);
    } finally {
      await windows.close();
    }
  });
});
