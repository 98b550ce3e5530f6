import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountIdFor,
  accountLinks,
  dayNumber,
  ingestChanges,
  linkRecord,
  parseHistory,
  unlinkRecord,
  unresolvedRecords,
} from '../../src/accounts/index.js';
import { createTestDb, type TestDb } from '../support/index.js';
import { RecordWriter } from './records.js';

const WS = 'ws_accounts';
const T0 = '2025-06-01T10:00:00.000Z';
const T1 = '2025-06-02T10:00:00.000Z';

let t: TestDb;
let w: RecordWriter;
let watermark: string | null = null;

const db = () => t.db.kysely;
async function ingest(now: string) {
  const result = await ingestChanges(db(), WS, { watermark, now, liveSinceDay: null });
  watermark = result.watermark;
  return result;
}
const acme = accountIdFor(WS, 'acme.io');
const globex = accountIdFor(WS, 'globex.com');

beforeAll(async () => {
  t = await createTestDb({ migrate: true });
  w = new RecordWriter(db(), WS, T0);
  await w.groupType(0, 'company');
  await w.group('acme.io', 'Acme Inc', '2024-01-10T00:00:00Z');
  await w.group('globex.com', 'Globex', '2024-03-01T00:00:00Z');
  await w.person('p1', { email: 'ann@acme.io', name: 'Ann', title: 'VP Sales' }, '2024-01-10T00:00:00Z');
  // Works at Globex per the property, though the email says acme: a conflict, property wins.
  await w.person(
    'p2',
    { email: 'bob@acme.io', name: 'Bob', company_domain: 'globex.com' },
    '2024-04-01T00:00:00Z',
  );
  // Free-mail person with no company: unresolved.
  await w.person('p3', { email: 'carol@gmail.com', name: 'Carol' }, '2024-05-01T00:00:00Z');
  // Free-mail person whose company is stated.
  await w.person(
    'p4',
    { email: 'dan@gmail.com', name: 'Dan', company_domain: 'acme.io' },
    '2024-05-01T00:00:00Z',
  );
  await w.price('price_pro', 'pro', 4000, 'month');
  await w.customer('cus_acme', 'billing@acme.io', 'Acme Inc', '2024-02-01T00:00:00Z', 'acme.io');
  // Personal billing email of a known person (Dan, at acme): matched through the person.
  await w.customer('cus_dan', 'dan@gmail.com', 'Dan Smith', '2024-06-01T00:00:00Z');
  // Personal email nobody knows: unresolved until a person links it.
  await w.customer('cus_lost', 'someone@yahoo.com', 'Someone', '2024-06-01T00:00:00Z');
  await w.subscription('sub_acme', 'cus_acme', 'price_pro', 5, '2024-02-01T00:00:00Z');
  await w.invoice('in_1', 'cus_acme', 'sub_acme', 'price_pro', 5, 20_000, '2025-04-01T00:00:00Z');
  await w.invoice('in_2', 'cus_acme', 'sub_acme', 'price_pro', 8, 32_000, '2025-05-01T00:00:00Z');
  await w.subscription('sub_lost', 'cus_lost', 'price_pro', 2, '2024-06-01T00:00:00Z');
  await w.nps('n1', 'acme.io', null, 9, '2025-05-20T00:00:00Z');
  await w.nps('n2', null, 'bob@acme.io', 3, '2025-05-21T00:00:00Z');
  await w.attioCompany('att_1', 'ACME (CRM)', ['acme.io', 'acme.com']);
  await w.usage('acme.io', '2025-05-30', 'feature_used', 12, 3);
  await w.usage('acme.io', '2025-05-31', 'feature_used', 7, 2);
  // Usage of a group PostHog never listed: the key is a domain, so it becomes an account.
  await w.usage('initech.net', '2025-05-31', '$pageview', 4);
});

afterAll(() => t.close());

describe('first pass', () => {
  it('resolves every source to accounts keyed by domain, deterministically', async () => {
    const result = await ingest(T0);
    const accounts = await db()
      .selectFrom('accounts')
      .select(['id', 'domain', 'name', 'name_source'])
      .where('workspace_id', '=', WS)
      .orderBy('domain')
      .execute();
    expect(accounts.map((a) => a.domain)).toEqual(['acme.io', 'globex.com', 'initech.net']);
    expect(accounts.find((a) => a.domain === 'acme.io')).toMatchObject({
      id: acme,
      name: 'ACME (CRM)',
      name_source: 'attio',
    });
    expect(accounts.find((a) => a.domain === 'globex.com')).toMatchObject({
      name: 'Globex',
      name_source: 'posthog',
    });
    expect(result.touched).toEqual(new Set(accounts.map((a) => a.id)));
  });

  it('shows which records made each account, and how', async () => {
    const links = await accountLinks(db(), WS, acme);
    const summary = links.map((l) => `${l.integration}/${l.stream}/${l.externalId}:${l.method}`);
    expect(summary).toEqual([
      'attio/companies/att_1:crm_domain',
      'posthog/groups/0:acme.io:group',
      'posthog/persons/p1:email_domain',
      'posthog/persons/p4:company_domain',
      'posthog/survey_responses/n1:group_key',
      'stripe/customers/cus_acme:metadata_domain',
      'stripe/customers/cus_dan:person_email',
      'stripe/invoices/in_1:customer',
      'stripe/invoices/in_2:customer',
      'stripe/subscriptions/sub_acme:customer',
    ]);
  });

  it('a person seen at two companies goes where the company property says, with the conflict recorded', async () => {
    const links = await accountLinks(db(), WS, globex);
    const bob = links.find((l) => l.externalId === 'p2');
    expect(bob?.conflict).toMatchObject({
      chosen: 'globex.com',
      rule: expect.stringContaining('company_domain'),
    });
    // Bob's NPS answer follows Bob (matched by email).
    expect(links.find((l) => l.externalId === 'n2')?.method).toBe('person_email');
  });

  it('keeps what it could not resolve, with the reason', async () => {
    const unresolved = await unresolvedRecords(db(), WS);
    expect(unresolved.map((u) => [u.externalId, u.reason])).toEqual([
      ['p3', expect.stringContaining('personal email')],
      ['cus_lost', expect.stringContaining('personal billing email')],
      ['sub_lost', expect.stringContaining('not linked')],
    ]);
  });

  it('derives typed daily usage and lifetime totals', async () => {
    const rows = await db()
      .selectFrom('usage_daily')
      .selectAll()
      .where('workspace_id', '=', WS)
      .orderBy('account_id')
      .orderBy('day')
      .execute();
    expect(
      rows.filter((r) => r.account_id === acme).map((r) => [r.day, r.event, r.count, r.persons]),
    ).toEqual([
      [dayNumber('2025-05-30'), 'feature_used', 12, 3],
      [dayNumber('2025-05-31'), 'feature_used', 7, 2],
    ]);
    const totals = await db()
      .selectFrom('usage_totals')
      .selectAll()
      .where('account_id', '=', acme)
      .executeTakeFirstOrThrow();
    expect(totals).toMatchObject({
      first_day: dayNumber('2025-05-30'),
      last_day: dayNumber('2025-05-31'),
      total: 19,
    });
  });

  it('builds the account history from its records', async () => {
    const row = await db()
      .selectFrom('accounts')
      .select('history_json')
      .where('id', '=', acme)
      .executeTakeFirstOrThrow();
    const history = parseHistory(row.history_json);
    expect(history.persons.map((p) => p.id)).toEqual(['p1', 'p4']);
    expect(history.signupAt).toBe('2024-01-10T00:00:00.000Z');
    const sub = history.subscriptions[0]!;
    expect(sub.current).toMatchObject({ seats: 5, plan: 'pro', arr: 2400 });
    expect(sub.points.map((p) => [p.seats, p.arr])).toEqual([
      [5, 2400],
      [8, 3840],
    ]);
    expect(history.nps).toEqual([{ at: '2025-05-20T00:00:00.000Z', score: 9, email: null }]);
  });
});

describe('incremental passes', () => {
  it('nothing changed: nothing touched', async () => {
    const result = await ingest(T1);
    expect(result.touched.size).toBe(0);
  });

  it('a changed usage day touches only its account', async () => {
    w.now = T1;
    await w.usage('acme.io', '2025-05-31', 'feature_used', 9, 2);
    const result = await ingest(T1);
    expect([...result.touched]).toEqual([acme]);
    const row = await db()
      .selectFrom('usage_daily')
      .select('count')
      .where('account_id', '=', acme)
      .where('day', '=', dayNumber('2025-05-31'))
      .executeTakeFirstOrThrow();
    expect(row.count).toBe(9);
  });

  it('a deleted usage record removes its row', async () => {
    await w.put(
      'posthog',
      'usage_daily',
      'initech.net|2025-05-31|$pageview',
      { group_key: 'initech.net', day: '2025-05-31', event: '$pageview', count: 4, persons: 1 },
      true,
    );
    const result = await ingest(T1);
    expect([...result.touched]).toEqual([accountIdFor(WS, 'initech.net')]);
    const rows = await db()
      .selectFrom('usage_daily')
      .select('count')
      .where('account_id', '=', accountIdFor(WS, 'initech.net'))
      .execute();
    expect(rows).toEqual([]);
  });

  it('a customer that moves takes its subscriptions and invoices along', async () => {
    await w.customer('cus_acme', 'billing@globex.com', 'Acme Inc', '2024-02-01T00:00:00Z', 'globex.com');
    const result = await ingest(T1);
    expect(result.touched).toEqual(new Set([acme, globex]));
    const globexLinks = (await accountLinks(db(), WS, globex)).map((l) => l.externalId);
    expect(globexLinks).toEqual(expect.arrayContaining(['cus_acme', 'sub_acme', 'in_1', 'in_2']));
    // Put it back for the next tests.
    await w.customer('cus_acme', 'billing@acme.io', 'Acme Inc', '2024-02-01T00:00:00Z', 'acme.io');
    await ingest(T1);
  });
});

describe('manual link and unlink', () => {
  it('links an unresolved personal-email customer, with its subscription', async () => {
    const touched = await linkRecord(
      db(),
      WS,
      globex,
      { integration: 'stripe', stream: 'customers', externalId: 'cus_lost' },
      'user_1',
      T1,
    );
    expect(touched.has(globex)).toBe(true);
    const links = await accountLinks(db(), WS, globex);
    expect(links.find((l) => l.externalId === 'cus_lost')).toMatchObject({ method: 'manual', manual: true });
    expect(links.find((l) => l.externalId === 'sub_lost')).toMatchObject({
      method: 'customer',
      status: 'linked',
    });
  });

  it('the manual decision survives the next sync of the record', async () => {
    await w.customer('cus_lost', 'someone@yahoo.com', 'Someone Else', '2024-06-01T00:00:00Z');
    await ingest(T1);
    const link = (await accountLinks(db(), WS, globex)).find((l) => l.externalId === 'cus_lost');
    expect(link?.method).toBe('manual');
  });

  it('unlinks a person from the company its email points to', async () => {
    await unlinkRecord(
      db(),
      WS,
      acme,
      { integration: 'posthog', stream: 'persons', externalId: 'p1' },
      'user_1',
      T1,
    );
    expect((await accountLinks(db(), WS, acme)).some((l) => l.externalId === 'p1')).toBe(false);
    const history = parseHistory(
      (
        await db()
          .selectFrom('accounts')
          .select('history_json')
          .where('id', '=', acme)
          .executeTakeFirstOrThrow()
      ).history_json,
    );
    expect(history.persons.map((p) => p.id)).toEqual(['p4']);
  });

  it('refuses what it cannot do, saying why', async () => {
    await expect(
      linkRecord(
        db(),
        WS,
        acme,
        { integration: 'posthog', stream: 'usage_daily', externalId: 'x' },
        null,
        T1,
      ),
    ).rejects.toThrow(/not linked to accounts/);
    await expect(
      linkRecord(
        db(),
        WS,
        'acc_missing',
        { integration: 'stripe', stream: 'customers', externalId: 'cus_lost' },
        null,
        T1,
      ),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      unlinkRecord(db(), WS, acme, { integration: 'posthog', stream: 'persons', externalId: 'p2' }, null, T1),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe('workspaces', () => {
  it('another workspace sees none of it', async () => {
    const other = await ingestChanges(db(), 'ws_other', { watermark: null, now: T1, liveSinceDay: null });
    expect(other.touched.size).toBe(0);
    expect(await accountLinks(db(), 'ws_other', acme)).toEqual([]);
  });
});
