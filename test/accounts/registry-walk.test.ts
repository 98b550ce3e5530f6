import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  accountIdFor,
  dayNumber,
  ingestChanges,
  linkedStreams,
  parseHistory,
  rederiveUsage,
} from '../../src/accounts/index.js';
import {
  baseUrlSetting,
  createRegistry,
  defineIntegration,
  type StreamFacts,
  secret,
  streamsWithFacts,
} from '../../src/integrations/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { RecordWriter } from './records.js';

/**
 * The account pipeline knows integrations only through the registry: an integration it has never
 * seen, declaring facts on its streams, resolves into accounts, names them, brings people and
 * feeds usage (by the fields its usage mapper names, aggregated in SQL).
 */

interface Company {
  id: string;
  website: string;
  title: string;
  since: string;
}
interface Member {
  id: string;
  mail: string;
  role: string;
}
interface Activity {
  acct: string;
  date: string;
  what: string;
  n: number;
}

const none = async function* () {};
const companyFacts: StreamFacts<Company> = {
  identity: { claim: (c) => ({ kind: 'domain', domain: c.website, method: 'crm_domain' }) },
  name: { priority: 5, of: (c) => c.title },
  firstSeen: (c) => c.since,
};
const memberFacts: StreamFacts<Member> = {
  identity: {
    claim: (m) => ({ kind: 'domain', domain: m.mail.split('@')[1]!, method: 'email_domain' }),
    anchor: 'person',
    email: (m) => m.mail,
  },
  people: (m) => ({
    id: m.id,
    email: m.mail,
    name: null,
    title: m.role,
    department: null,
    createdAt: null,
    lastSeenAt: null,
  }),
};

function acmeIntegration(usage: StreamFacts<Activity>['usage']) {
  return defineIntegration({
    name: 'acme',
    displayName: 'Acme',
    description: 'A source the account pipeline has never heard of.',
    category: 'crm',
    roles: ['source'],
    docs: { keyUrl: 'https://acme.invalid/keys', scopes: [], setup: 'docs/adding-an-integration.md' },
    credentials: z.object({ apiKey: secret(z.string()) }),
    settings: z.object({ baseUrl: baseUrlSetting('https://api.acme.invalid') }),
    rateLimit: { perSecond: 10 },
    defaultBaseUrl: 'https://api.acme.invalid',
    auth: (c) => ({ authorization: `Bearer ${c.apiKey}` }),
    client: () => ({}),
    validate: async () => ({ accountLabel: 'acme' }),
    streams: {
      companies: {
        description: 'companies',
        primaryKey: 'id',
        cursor: 'none',
        read: none,
        facts: companyFacts,
      },
      members: { description: 'members', primaryKey: 'id', cursor: 'none', read: none, facts: memberFacts },
      activity: {
        description: 'activity',
        externalId: (a: Activity) => `${a.acct}/${a.date}/${a.what}`,
        cursor: 'none',
        read: none,
        facts: { usage },
      },
    },
  });
}

const WS = 'ws_registry_walk';
const NOW = '2025-06-01T10:00:00.000Z';
const registry = createRegistry([acmeIntegration({ key: 'acct', day: 'date', event: 'what', count: 'n' })]);
let t: TestDb;
const db = () => t.db.kysely;

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  const w = new RecordWriter(db(), WS, NOW);
  await w.put('acme', 'companies', 'c1', {
    id: 'c1',
    website: 'acme.io',
    title: 'Acme Corp',
    since: '2024-02-01T00:00:00.000Z',
  });
  await w.put('acme', 'members', 'm1', { id: 'm1', mail: 'ann@acme.io', role: 'CTO' });
  await w.put('acme', 'activity', 'acme.io/2025-05-30/login', {
    acct: 'acme.io',
    date: '2025-05-30',
    what: 'login',
    n: 4,
  });
  await w.put('acme', 'activity', 'acme.io/2025-05-31/login', {
    acct: 'acme.io',
    date: '2025-05-31',
    what: 'login',
    n: '6',
  });
  // Shipped integrations' records are not this registry's business.
  await w.put('elsewhere', 'companies', 'x', { website: 'globex.com' });
});
afterAll(() => t?.close());

describe('the account pipeline walks the registry', () => {
  it('finds identity and usage streams by their facts, direct claims first', () => {
    expect(linkedStreams(registry).map((s) => s.stream)).toEqual(['companies', 'members']);
    expect(streamsWithFacts(registry, 'usage').map((s) => s.stream)).toEqual(['activity']);
  });

  it("resolves an unknown integration's records into an account named by its mapper", async () => {
    const result = await ingestChanges(db(), WS, { watermark: null, now: NOW, liveSinceDay: null, registry });
    const acme = accountIdFor(WS, 'acme.io');
    expect([...result.touched]).toEqual([acme]);
    const account = await db()
      .selectFrom('accounts')
      .select(['name', 'name_source', 'signup_at', 'history_json', 'link_count'])
      .where('workspace_id', '=', WS)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({ name: 'Acme Corp', name_source: 'acme', link_count: 2 });
    const history = parseHistory(account.history_json);
    expect(history.signupAt).toBe('2024-02-01T00:00:00.000Z');
    expect(history.persons.map((p) => [p.email, p.title])).toEqual([['ann@acme.io', 'CTO']]);
  });

  it('usage lands in usage_daily through the declared fields, in SQL too when re-derived', async () => {
    const read = () =>
      db()
        .selectFrom('usage_daily')
        .select(['event', 'day', 'count'])
        .where('workspace_id', '=', WS)
        .orderBy('day')
        .execute();
    const expected = [
      { event: 'login', day: dayNumber('2025-05-30'), count: 4 },
      { event: 'login', day: dayNumber('2025-05-31'), count: 6 },
    ];
    expect((await read()).map((r) => ({ ...r, day: Number(r.day), count: Number(r.count) }))).toEqual(
      expected,
    );
    // No external-id key prefix declared: the re-derivation reads the key's records of the stream.
    await rederiveUsage(db(), WS, [accountIdFor(WS, 'acme.io')], NOW, registry);
    expect((await read()).map((r) => ({ ...r, day: Number(r.day), count: Number(r.count) }))).toEqual(
      expected,
    );
  });

  it('refuses usage fields that are not plain field names (they become JSON paths in SQL)', () => {
    expect(() =>
      acmeIntegration({ key: "acct') or 1=1 --", day: 'date', event: 'what', count: 'n' }),
    ).toThrow(/Usage field "key" must be a plain field name/);
    expect(() =>
      acmeIntegration({ key: 'acct', day: 'date', event: 'what', count: 'n', externalIdKeySeparator: 'ab' }),
    ).toThrow(/one punctuation character/);
  });
});
