import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../src/accounts/index.js';
import {
  createAlertRule,
  createDigest,
  deliverTarget,
  deriveAlerts,
  listAlerts,
  runDigest,
} from '../../src/alerts/index.js';
import { fixedClock } from '../../src/core/index.js';
import {
  createHubspotSimulator,
  type HubspotSimulator,
} from '../../src/integrations/hubspot/simulator/index.js';
import {
  createSlackSimulator,
  DEFAULT_SLACK_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackSimulator,
} from '../../src/integrations/slack/simulator/index.js';
import { runScore } from '../../src/scoring/index.js';
import { RecordWriter } from '../accounts/records.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { type MailServer, startMailServer } from './support/smtp.js';
import { NOW, seedSignalWorld } from './support/world.js';

/**
 * Alerts and digests reach accounts' owners, on real parts: owners come from the CRM's records (a
 * score run's ingest resolves them), a rule sending to the owner posts a direct message to the
 * person the Slack simulator has with the owner's e-mail (users.lookupByEmail, then
 * chat.postMessage to the user id); an owner Slack does not know, or an account nobody owns, fails
 * the alert with a reason the history shows; the message links the account's HubSpot record; a
 * rule's owner filter narrows its accounts; an owner digest sends each owner only their accounts
 * (direct message and e-mail) and nothing to an owner with nothing new.
 */

let t: TestRuntime;
let slack: SlackSimulator;
let hubspot: HubspotSimulator;
let smtp: MailServer;
const ws = () => t.workspaceId;
const db = () => t.rt.db.kysely;
const ANN = { id: 'm-ann', email: 'ann@seller.io', firstName: 'Ann', lastName: 'Lee' };
const account = (i: number) => accountIdFor(ws(), `co${i}.io`);

beforeAll(async () => {
  // Ann has a Slack account; Bo, who owns two accounts in the CRM, does not.
  slack = createSlackSimulator({ dataset: { crm: { workspaceName: 'Seller', members: [ANN] } } as never });
  hubspot = createHubspotSimulator({ knobs: { rateLimits: false } });
  await slack.listen();
  await hubspot.listen();
  smtp = await startMailServer();
  t = await createTestRuntime({
    env: {
      BETON_ALLOW_PRIVATE_HOSTS: 'true',
      BETON_PUBLIC_URL: 'https://beton.test',
      BETON_SMTP_URL: smtp.url,
      BETON_MAIL_FROM: 'Beton <beton@beton.test>',
    },
  });
  for (const [name, body] of [
    [
      'slack',
      {
        credentials: { botToken: DEFAULT_SLACK_TOKEN, signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
        settings: { baseUrl: `${slack.url}/api` },
      },
    ],
    ['hubspot', { credentials: { apiKey: hubspot.apiKey }, settings: { baseUrl: hubspot.url } }],
  ] as const) {
    const res = await t.request('PUT', `/api/v1/integrations/${name}`, { key: t.keys.admin, body });
    expect(res.status, res.text).toBe(200);
  }
  await seedSignalWorld(db(), ws(), 6);
  // The CRM: co0 and co1 are Ann's, co2 and co3 Bo's, co4 and co5 nobody's.
  const w = new RecordWriter(db(), ws(), NOW.toISOString());
  await w.put('hubspot', 'owners', '70001', { id: '70001', ...owner(ANN) });
  await w.put('hubspot', 'owners', '70002', {
    id: '70002',
    ...owner({ email: 'bo@seller.io', firstName: 'Bo', lastName: 'Chen' }),
  });
  for (let i = 0; i < 6; i++)
    await w.put('hubspot', 'companies', String(900 + i), {
      id: String(900 + i),
      properties: {
        domain: `co${i}.io`,
        name: `Company ${i}`,
        hubspot_owner_id: i < 2 ? '70001' : i < 4 ? '70002' : null,
      },
      createdAt: '2024-01-01T00:00:00Z',
      updatedAt: '2024-01-01T00:00:00Z',
      archived: false,
    });
  const rule = (name: string, spec: Record<string, unknown>) =>
    createAlertRule(db(), ws(), { name, ...spec } as never, 'user_test', new Date().toISOString());
  await rule('to the owner', { destination: { kind: 'owner' } });
  await rule("Ann's accounts to a channel", {
    destination: { kind: 'channel', channelId: slack.channel('revenue-signals').id },
    filter: { owner: 'ANN@seller.io' },
  });
  const run = await runScore(db(), ws(), { clock: fixedClock(NOW), trigger: 'test' });
  expect(run.status).toBe('succeeded');
  await deriveAlerts(db(), new Date());
}, 120_000);

afterAll(async () => {
  await t?.close();
  await slack?.close();
  await hubspot?.close();
  await smtp?.close();
});

function owner(m: { email: string; firstName: string; lastName: string }) {
  return { email: m.email, firstName: m.firstName, lastName: m.lastName, userId: 1, archived: false };
}
const alertsOf = async (rule: string) =>
  (await listAlerts(db(), ws(), { limit: 500 })).filter((a) => a.ruleName === rule);

describe("alerts to the account's owner", () => {
  it('queues each alert for its account owner by e-mail; an account nobody owns fails saying why', async () => {
    const alerts = await alertsOf('to the owner');
    const byAccount = (i: number) => alerts.filter((a) => a.accountId === account(i));
    for (let i = 0; i < 6; i++) expect(byAccount(i).length, `co${i}`).toBeGreaterThan(0);
    for (const i of [0, 1])
      for (const a of byAccount(i))
        expect(a).toMatchObject({ status: 'queued', target: 'owner:ann@seller.io' });
    for (const i of [2, 3])
      for (const a of byAccount(i))
        expect(a).toMatchObject({ status: 'queued', target: 'owner:bo@seller.io' });
    for (const i of [4, 5])
      for (const a of byAccount(i)) {
        expect(a).toMatchObject({ status: 'failed', reason: 'owner_unknown', target: null, sentAt: null });
        expect(a.errorMessage).toMatch(/no owner in a connected CRM/);
      }
  });

  it("posts a direct message to the owner found by e-mail, linking the account's CRM record", async () => {
    const queued = (await alertsOf('to the owner')).filter((a) => a.target === 'owner:ann@seller.io');
    const result = await deliverTarget(t.rt, ws(), 'owner:ann@seller.io');
    expect(result).toMatchObject({ sent: queued.length, failed: 0 });
    const user = slack.world.users.find((u) => u.email === ANN.email)!;
    const dms = slack.messages(slack.dmChannelOf(user.id));
    expect(dms).toHaveLength(queued.length);
    // One lookup for the whole batch: the owner is found once, not once per alert.
    expect(slack.calls.filter((c) => c.method === 'users.lookupByEmail')).toHaveLength(1);
    for (const dm of dms) {
      expect(dm.text).toContain('Owner: Ann Lee');
      expect(dm.text).toMatch(
        /Open in HubSpot: https:\/\/app\.hubspot\.com\/contacts\/24681357\/record\/0-2\/90[01]/,
      );
      expect(dm.text).toContain('Open in Beton: https://beton.test/accounts/');
    }
    const sent = (await alertsOf('to the owner')).filter((a) => a.target === 'owner:ann@seller.io');
    expect(sent.every((a) => a.status === 'sent')).toBe(true);
  });

  it('an owner the messaging service does not know fails with owner_not_found, never sent elsewhere', async () => {
    const before = slack.messages().length;
    const queued = (await alertsOf('to the owner')).filter((a) => a.target === 'owner:bo@seller.io');
    const result = await deliverTarget(t.rt, ws(), 'owner:bo@seller.io');
    expect(result).toMatchObject({ sent: 0, failed: queued.length });
    expect(slack.messages()).toHaveLength(before);
    for (const a of (await alertsOf('to the owner')).filter((x) => x.target === 'owner:bo@seller.io')) {
      expect(a).toMatchObject({ status: 'failed', reason: 'owner_not_found', sentAt: null });
      expect(a.errorMessage).toContain('bo@seller.io');
      expect(a.history).toEqual([
        expect.objectContaining({ status: 'failed', errorCode: 'owner_not_found' }),
      ]);
    }
  });

  it("a rule's owner filter narrows it to that owner's accounts", async () => {
    const alerts = await alertsOf("Ann's accounts to a channel");
    expect(new Set(alerts.map((a) => a.accountId))).toEqual(new Set([account(0), account(1)]));
  });

  it('retrying an alert for an unowned account is refused until the account has an owner, then goes to them', async () => {
    const [unowned] = (await alertsOf('to the owner')).filter((a) => a.accountId === account(4));
    const refused = await t.request('POST', `/api/v1/alerts/${unowned!.id}/retry`, { key: t.keys.admin });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/still has no owner/);
    await db()
      .updateTable('accounts')
      .set({ owner_email: 'ann@seller.io', owner_name: 'Ann Lee' })
      .where('workspace_id', '=', ws())
      .where('id', '=', account(4))
      .execute();
    const retried = await t.request('POST', `/api/v1/alerts/${unowned!.id}/retry`, { key: t.keys.admin });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ status: 'queued', target: 'owner:ann@seller.io' });
    expect((await deliverTarget(t.rt, ws(), 'owner:ann@seller.io')).sent).toBe(1);
  });
});

describe('owner digests', () => {
  it('sends each owner only their accounts, by direct message and e-mail; nothing to owners with nothing new', async () => {
    const digest = await createDigest(
      db(),
      ws(),
      { name: 'Owners daily', scope: 'owner', ownerVia: ['message', 'email'] },
      null,
      new Date(),
    );
    // The score run's events happened at NOW: the first period starts before them.
    await db()
      .updateTable('digests')
      .set({ last_period_end: new Date(NOW.getTime() - 86_400_000).toISOString() })
      .where('workspace_id', '=', ws())
      .where('id', '=', digest.id)
      .execute();
    const user = slack.world.users.find((u) => u.email === ANN.email)!;
    const dmsBefore = slack.messages(slack.dmChannelOf(user.id)).length;
    const run = await runDigest(t.rt, ws(), digest.id, new Date());
    expect(run.status).toBe('sent');
    // co4 was given to Ann above; co5 has no owner and is in nobody's digest.
    expect(run.owners).toEqual([
      {
        email: 'ann@seller.io',
        name: 'Ann Lee',
        counts: expect.objectContaining({ newAccounts: 3 }),
        sent: ['message', 'email'],
        error: null,
      },
      {
        email: 'bo@seller.io',
        name: 'Bo Chen',
        counts: expect.objectContaining({ newAccounts: 2 }),
        sent: ['email'],
        error: expect.stringMatching(/^message: .*bo@seller\.io/),
      },
    ]);
    expect(run.error).toMatch(/^bo@seller\.io: message: /);
    const dms = slack.messages(slack.dmChannelOf(user.id)).slice(dmsBefore);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.text).toContain('Owners daily for Ann Lee');
    expect(dms[0]!.text).toContain('https://beton.test/accounts?owner=ann%40seller.io');
    const mailTo = (to: string) => smtp.mails.filter((m) => m.to.includes(to)).map((m) => m.raw);
    expect(mailTo('ann@seller.io')).toHaveLength(1);
    expect(mailTo('bo@seller.io')).toHaveLength(1);
    expect(mailTo('ann@seller.io')[0]).toContain('Company 0');
    expect(mailTo('ann@seller.io')[0]).not.toContain('Company 2');
    expect(mailTo('bo@seller.io')[0]).toContain('Company 2');
    expect(mailTo('bo@seller.io')[0]).not.toContain('Company 0');
    expect(smtp.mails.some((m) => m.raw.includes('Company 5'))).toBe(false);

    // Nothing new since: nothing goes to anyone.
    const again = await runDigest(t.rt, ws(), digest.id, new Date(Date.now() + 1000));
    expect(again).toMatchObject({ status: 'empty', owners: [] });
    expect(smtp.mails).toHaveLength(2);
  });

  it('an owner digest needs a way to reach owners', async () => {
    const res = await t.request('POST', '/api/v1/alerts/digests', {
      key: t.keys.admin,
      body: { name: 'Nowhere', scope: 'owner' },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json.error.details)).toContain('ownerVia');
  });
});
