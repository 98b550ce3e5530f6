import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type ApolloSimulator,
  createApolloSimulator,
} from '../../src/integrations/apollo/simulator/index.js';
import { baseUrlSetting, defineIntegration, integrations, secret } from '../../src/integrations/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * Two connected integrations offer enrichment: the workspace chooses which one runs
 * (`PUT /api/v1/providers/enrichment`); until it does, enrichment says so instead of guessing.
 */
const acme = defineIntegration({
  name: 'acme',
  displayName: 'Acme Data',
  description: 'A second enrichment provider, for the choice between two.',
  category: 'enrichment',
  roles: ['enrichment'],
  docs: { keyUrl: 'https://acme.example/keys', scopes: ['read'], setup: 'docs/integrations/acme.md' },
  credentials: z.object({ apiKey: secret(z.string().min(4)) }),
  settings: z.object({ baseUrl: baseUrlSetting('https://api.acme.example') }),
  rateLimit: { perSecond: 5 },
  defaultBaseUrl: 'https://api.acme.example',
  auth: (c) => ({ authorization: `Bearer ${c.apiKey}` }),
  client: () => ({}),
  validate: async () => ({ accountLabel: 'Acme test key' }),
  enrichment: {
    description: 'Companies by domain.',
    batchSize: 25,
    credits: { perFound: 2, perNotFound: 1 },
    defaultFreshnessDays: 7,
    normalizeDomain: (raw) => raw.trim().toLowerCase(),
    budget: () => ({}),
    lookup: async (_client, domains) => new Map(domains.map((d) => [d, null])),
  },
});

const dataset = generateDataset({ seed: 'provider-choice', companies: 5 });
const KEY = 'apollo_choice_key_01';
let t: TestRuntime;
let sim: ApolloSimulator;

beforeAll(async () => {
  sim = createApolloSimulator({ dataset, keys: [{ apiKey: KEY, plan: 'professional' }] });
  await sim.listen();
  t = await createTestRuntime({
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' },
    integrations: [...integrations, acme],
  });
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

const plan = () => t.request('POST', '/api/v1/enrichment/plan', { key: t.keys.admin, body: {} });
const choose = (integration: string | null, key = t.keys.admin) =>
  t.request('PUT', '/api/v1/providers/enrichment', { key, body: { integration } });

describe('choosing the enrichment provider', () => {
  it('uses the only connected one, asks for a choice when two are, and follows the choice', async () => {
    expect((await plan()).json.error.code).toBe('not_connected');
    const apollo = await t.request('PUT', '/api/v1/integrations/apollo', {
      key: t.keys.admin,
      body: { credentials: { apiKey: KEY }, settings: { baseUrl: `${sim.url}/api/v1` } },
    });
    expect(apollo.status).toBe(200);
    expect((await plan()).json.plan.freshnessDays).toBe(30);

    const second = await t.request('PUT', '/api/v1/integrations/acme', {
      key: t.keys.admin,
      body: { credentials: { apiKey: 'acme-key' }, settings: {} },
    });
    expect(second.status).toBe(200);
    const ambiguous = await plan();
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.json.error.code).toBe('enrichment_provider_ambiguous');
    expect(ambiguous.json.error.message).toContain('PUT /api/v1/providers/enrichment');

    expect((await choose('acme', t.keys.member)).status).toBe(403);
    const chosen = await choose('acme');
    expect(chosen.status).toBe(200);
    expect(chosen.json.provider).toMatchObject({
      chosen: 'acme',
      connected: expect.arrayContaining(['acme', 'apollo']),
    });
    expect((await plan()).json.plan.freshnessDays).toBe(7);

    await choose('apollo');
    expect((await plan()).json.plan.freshnessDays).toBe(30);
    const listed = await t.request('GET', '/api/v1/providers', { key: t.keys.viewer });
    expect(
      listed.json.providers.find((p: { capability: string }) => p.capability === 'enrichment'),
    ).toMatchObject({
      chosen: 'apollo',
    });

    expect((await choose('stripe')).status).toBe(400);
    expect((await choose('nothing_such')).status).toBe(404);
    await choose(null);
    expect((await plan()).status).toBe(409);
  });
});
