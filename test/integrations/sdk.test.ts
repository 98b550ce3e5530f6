import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  baseUrlSetting,
  createRegistry,
  defineIntegration,
  externalIdOf,
  isSecretField,
  type StreamDefinition,
  type StreamRecord,
  type StreamState,
  secret,
  secretFieldNames,
} from '../../src/integrations/index.js';
import type { TestkitItem, testkit } from '../support/testkit-integration/index.js';

const base = {
  name: 'acme',
  displayName: 'Acme',
  description: 'Acme',
  category: 'crm' as const,
  roles: ['source' as const],
  docs: { keyUrl: 'https://acme.example/keys', scopes: [], setup: 'docs/integrations/acme.md' },
  credentials: z.object({ apiKey: secret(z.string()) }),
  settings: z.object({ baseUrl: baseUrlSetting('https://api.acme.example') }),
  rateLimit: { perSecond: 5 },
  defaultBaseUrl: 'https://api.acme.example',
  auth: () => ({}),
  client: () => ({ list: async () => [{ id: 'a1', n: 1 }] }),
  validate: async () => ({ accountLabel: 'Acme' }),
  streams: {
    things: {
      description: 'things',
      primaryKey: 'id' as const,
      cursor: 'none' as const,
      read: async function* () {
        yield { records: [{ id: 'a1', n: 1 }], state: null };
      },
    },
  },
};

describe('defineIntegration', () => {
  it('keeps the declaration, frozen, with its secret fields found', () => {
    const acme = defineIntegration(base);
    expect(acme.secretFields).toEqual(['apiKey']);
    expect(Object.isFrozen(acme)).toBe(true);
    expect(() => createRegistry([acme, acme])).toThrow(/registered twice/);
  });

  it('fails loudly at load time on a wrong declaration, saying what to fix', () => {
    expect(() => defineIntegration({ ...base, name: 'Acme!' })).toThrow(/name must match/);
    expect(() => defineIntegration({ ...base, settings: z.object({}) })).toThrow(/baseUrl/);
    expect(() => defineIntegration({ ...base, credentials: z.object({ apiKey: z.string() }) })).toThrow(
      /secret\(\)/,
    );
    expect(() =>
      defineIntegration({
        ...base,
        settings: z.object({ baseUrl: baseUrlSetting('x'), token: secret(z.string()) }),
      }),
    ).toThrow(/secrets belong in credentials/);
    expect(() => defineIntegration({ ...base, streams: {} })).toThrow(/at least one stream/);
    expect(() =>
      defineIntegration({
        ...base,
        streams: { things: { ...base.streams.things, primaryKey: undefined } },
      }),
    ).toThrow(/primaryKey or an externalId/);
  });

  it('marks secrets through optional wrappers and shows them writeOnly in JSON Schema', () => {
    const schema = z.object({
      apiKey: secret(z.string()),
      webhookSecret: secret(z.string()).optional(),
      region: z.string(),
    });
    expect(secretFieldNames(schema)).toEqual(['apiKey', 'webhookSecret']);
    expect(isSecretField(z.string())).toBe(false);
    const json = z.toJSONSchema(schema) as { properties: Record<string, { writeOnly?: boolean }> };
    expect(json.properties.apiKey?.writeOnly).toBe(true);
    expect(json.properties.region?.writeOnly).toBeUndefined();
  });

  it('finds a record’s external id, or says why not', () => {
    const stream = { ...base.streams.things, primaryKey: 'id' as const };
    expect(externalIdOf(stream, { id: 'x', n: 0 })).toBe('x');
    expect(externalIdOf(stream, { id: 42 } as never)).toBe('42');
    expect(() => externalIdOf(stream, { n: 1 } as never)).toThrow('record has no "id"');
    const composite: StreamDefinition<unknown, { a: string; b: string }, null> = {
      description: 'composite',
      cursor: 'none',
      externalId: (r) => `${r.a}:${r.b}`,
      read: async function* () {},
    };
    expect(externalIdOf(composite, { a: '1', b: '2' })).toBe('1:2');
  });

  it('carries each stream’s record and state types to its consumers', () => {
    expectTypeOf<StreamRecord<typeof testkit, 'items'>>().toEqualTypeOf<TestkitItem>();
    expectTypeOf<StreamState<typeof testkit, 'items'>>().toEqualTypeOf<
      { phase: 'list'; next: string | null; startSeq: number } | { phase: 'changes'; since: number }
    >();
    const acme = defineIntegration(base);
    expectTypeOf<StreamRecord<typeof acme, 'things'>>().toEqualTypeOf<{ id: string; n: number }>();
  });
});
