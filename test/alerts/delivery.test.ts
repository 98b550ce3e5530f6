import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_MESSAGE_KIND,
  createAlertRule,
  createDigest,
  deliverTarget,
  deriveAlerts,
  dueTargets,
  listAlerts,
  openMessenger,
  recordFeedback,
  runDigest,
} from '../../src/alerts/index.js';
import { fixedClock } from '../../src/core/index.js';
import { integrations } from '../../src/integrations/index.js';
import { recordEvent } from '../../src/outbox/index.js';
import { runScore } from '../../src/scoring/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';
import { type ChatServer, chat, startChatServer } from './support/chat.js';
import { type MailServer, startMailServer } from './support/smtp.js';
import { NOW, seedSignalWorld } from './support/world.js';

/**
 * Alerts end to end on real parts: a score run opens occurrences, the outbox carries them, rules
 * turn them into alerts and senders post them over HTTP to a chat service — once each; a channel
 * the bot is not in fails with the service's reason; a 429 storm is waited out as told; quiet hours
 * hold alerts; a rule's cap sends the rest to the digest; feedback snoozes; a digest with nothing
 * new sends nothing, and one with news arrives by e-mail (HTML and text) and in the channel. A send
 * whose outcome a dead worker or a lost answer left unknown is looked up before it is posted again.
 */

let t: TestRuntime;
let server: ChatServer;
let smtp: MailServer;
const mails = () => smtp.mails.map((m) => m.raw);
const ws = () => t.workspaceId;
const db = () => t.rt.db.kysely;
const actor = 'user_test';

function quietNow() {
  const h = new Date().getUTCHours();
  const hh = (n: number) => `${String((n + 24) % 24).padStart(2, '0')}:00`;
  return { timeZone: 'UTC', start: hh(h - 1), end: hh(h + 2) };
}

beforeAll(async () => {
  server = await startChatServer();
  smtp = await startMailServer();
  t = await createTestRuntime({
    env: {
      BETON_ALLOW_PRIVATE_HOSTS: 'true',
      BETON_PUBLIC_URL: 'https://beton.test',
      BETON_SMTP_URL: smtp.url,
      BETON_MAIL_FROM: 'Beton <beton@beton.test>',
    },
    integrations: [...integrations.filter((i) => !i.messaging), chat],
  });
  const connected = await t.request('PUT', '/api/v1/integrations/chat', {
    key: t.keys.admin,
    body: { credentials: { token: 'chat-token' }, settings: { baseUrl: server.url } },
  });
  expect(connected.status).toBe(200);
  await seedSignalWorld(db(), ws(), 12);
  const rule = (name: string, spec: Record<string, unknown>) =>
    createAlertRule(db(), ws(), { name, ...spec } as never, actor, new Date().toISOString());
  await rule('churn to C1', {
    signals: { directions: ['churn'] },
    destination: { kind: 'channel', channelId: 'C1' },
  });
  await rule('all to a channel without the bot', { destination: { kind: 'channel', channelId: 'C_OUT' } });
  await rule('expansion in quiet hours', {
    signals: { directions: ['expansion'] },
    destination: { kind: 'channel', channelId: 'C_QUIET' },
    quietHours: quietNow(),
  });
  await rule('churn in a storm', {
    signals: { directions: ['churn'] },
    destination: { kind: 'channel', channelId: 'C_STORM' },
  });
  await rule('capped', {
    signals: { directions: ['churn'] },
    destination: { kind: 'channel', channelId: 'C_CAP' },
    capPerRun: 2,
  });
  await rule('churn to a channel, one pair snoozed meanwhile', {
    signals: { directions: ['churn'] },
    destination: { kind: 'channel', channelId: 'C_SNOOZE' },
  });
  // One channel per way a try's outcome can be left unknown (see "a try with an unknown outcome").
  for (const channel of ['C_FOUND', 'C_NEVER', 'C_BLIND', 'C_NOSCOPE', 'C_FLAKY', 'C_LOST', 'C_RETRY']) {
    await rule(`in flight to ${channel}`, {
      signals: { directions: ['churn'] },
      destination: { kind: 'channel', channelId: channel },
    });
  }
  server.notInChannel.add('C_OUT');
  const run = await runScore(db(), ws(), { clock: fixedClock(NOW), trigger: 'test' });
  expect(run.status).toBe('succeeded');
  await deriveAlerts(db(), new Date());
}, 120_000);

afterAll(async () => {
  await t?.close();
  await server?.close();
  await smtp?.close();
});

const alertsOf = async (rule: string) =>
  (await listAlerts(db(), ws(), { limit: 500 })).filter((a) => a.ruleName === rule);
const postsTo = (channel: string) => server.posts.filter((p) => p.channel === channel);

describe('alerts from a score run', () => {
  it('posts each matching opened occurrence once, with the account, its link and feedback buttons', async () => {
    const alerts = await alertsOf('churn to C1');
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.status === 'queued')).toBe(true);
    const r = await deliverTarget(t.rt, ws(), 'channel:C1');
    expect(r.sent).toBe(alerts.length);
    const posts = postsTo('C1');
    expect(posts.map((p) => p.alertRef).sort()).toEqual(alerts.map((a) => a.id).sort());
    expect(posts[0]!.text).toContain('Company');
    expect(posts[0]!.text).toContain('https://beton.test/accounts/');
    expect(posts[0]!.blocks).toEqual([
      expect.objectContaining({
        actions: expect.arrayContaining([expect.objectContaining({ verdict: 'snooze' })]),
      }),
    ]);
    expect((await alertsOf('churn to C1')).every((a) => a.status === 'sent' && a.history.length === 1)).toBe(
      true,
    );
    // Nothing new: deriving and delivering again sends nothing.
    await deriveAlerts(db(), new Date());
    expect((await deliverTarget(t.rt, ws(), 'channel:C1')).sent).toBe(0);
    expect(postsTo('C1')).toHaveLength(alerts.length);
  });

  it('an occurrence that stays open does not alert again on the next run', async () => {
    const before = (await alertsOf('churn to C1')).length;
    await runScore(db(), ws(), { clock: fixedClock(new Date(NOW.getTime() + 3_600_000)), trigger: 'test' });
    await deriveAlerts(db(), new Date());
    const after = await alertsOf('churn to C1');
    const occurrences = after.map((a) => a.occurrenceId);
    expect(new Set(occurrences).size).toBe(occurrences.length);
    expect(after.length).toBeGreaterThanOrEqual(before);
  });

  it('a channel the bot is not in fails with the service reason, never sent', async () => {
    const r = await deliverTarget(t.rt, ws(), 'channel:C_OUT');
    expect(r.sent).toBe(0);
    const alerts = await alertsOf('all to a channel without the bot');
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(a).toMatchObject({ status: 'failed', reason: 'not_in_channel', sentAt: null });
      expect(a.history).toEqual([expect.objectContaining({ status: 'failed', errorCode: 'not_in_channel' })]);
    }
    expect(postsTo('C_OUT')).toHaveLength(0);
  });

  it('a 429 storm is waited out as Retry-After says, then every alert is sent once', async () => {
    server.storm(3, 1);
    const r = await deliverTarget(t.rt, ws(), 'channel:C_STORM');
    const alerts = await alertsOf('churn in a storm');
    expect(r.sent).toBe(alerts.length);
    expect(server.limited).toBeGreaterThanOrEqual(3);
    expect(server.early).toBe(0);
    expect(
      postsTo('C_STORM')
        .map((p) => p.alertRef)
        .sort(),
    ).toEqual(alerts.map((a) => a.id).sort());
    const retried = alerts.flatMap((a) => a.history).filter((h) => h.status === 'retry');
    expect(retried.length).toBe(3);
    expect(retried.every((h) => h.errorCode === 'ratelimited' && h.retryAfterMs === 1000)).toBe(true);
  }, 60_000);

  it('quiet hours hold alerts until they end', async () => {
    const r = await deliverTarget(t.rt, ws(), 'channel:C_QUIET');
    expect(r.sent).toBe(0);
    const alerts = await alertsOf('expansion in quiet hours');
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) {
      expect(a.status).toBe('queued');
      expect(a.reason).toBe('quiet_hours');
      expect(Date.parse(a.notBefore!)).toBeGreaterThan(Date.now());
    }
    expect(postsTo('C_QUIET')).toHaveLength(0);
  });

  it('an alert whose account+signal was snoozed after it was queued is not sent', async () => {
    const [first, ...rest] = await alertsOf('churn to a channel, one pair snoozed meanwhile');
    expect(first?.status).toBe('queued');
    // As a snooze committed while the alert was being derived would leave it: queued, not held.
    await db()
      .insertInto('alert_snoozes')
      .values({
        workspace_id: ws(),
        account_id: first!.accountId,
        signal_key: first!.signalKey,
        until: new Date(Date.now() + 86_400_000).toISOString(),
        actor_type: 'user',
        actor_id: 'u1',
        actor_name: 'Someone',
        note: null,
        created_at: new Date().toISOString(),
      })
      .execute();
    await deliverTarget(t.rt, ws(), 'channel:C_SNOOZE');
    const after = await alertsOf('churn to a channel, one pair snoozed meanwhile');
    expect(after.find((a) => a.id === first!.id)).toMatchObject({ status: 'suppressed', reason: 'snoozed' });
    const others = rest.filter((a) => a.accountId !== first!.accountId || a.signalKey !== first!.signalKey);
    expect(postsTo('C_SNOOZE')).toHaveLength(others.length);
    // The snooze is the pair's under every rule: lift it for the tests after this one.
    await db().deleteFrom('alert_snoozes').where('workspace_id', '=', ws()).execute();
  });

  it('a rule cap sends that many from one run and leaves the rest for the digest', async () => {
    await deliverTarget(t.rt, ws(), 'channel:C_CAP');
    const alerts = await alertsOf('capped');
    expect(alerts.filter((a) => a.status === 'sent')).toHaveLength(2);
    expect(alerts.filter((a) => a.status === 'digest').length).toBe(alerts.length - 2);
    expect(postsTo('C_CAP')).toHaveLength(2);
  });
});

describe('feedback', () => {
  it('stores a verdict per occurrence, answers the card without buttons, and a snooze silences a reopening', async () => {
    const [alert] = await alertsOf('churn to C1');
    const { message } = await recordFeedback(t.rt, {
      workspaceId: ws(),
      alertRef: alert!.id,
      verdict: 'snooze',
      actor: { id: 'U1', name: 'Ana' },
    });
    expect(message?.text).toContain('Ana snoozed for 30 days');
    expect(message?.blocks).toEqual([expect.objectContaining({ actions: [] })]);
    const again = await recordFeedback(t.rt, {
      workspaceId: ws(),
      alertRef: alert!.id,
      verdict: 'useful',
      actor: { id: 'U2' },
    });
    expect(again.message?.text).toContain('U2 marked useful');
    const [updated] = await listAlerts(db(), ws(), { id: alert!.id });
    expect(updated!.verdicts.sort((a, b) => a.actor.localeCompare(b.actor))).toEqual([
      { actor: 'Ana', verdict: 'snooze' },
      { actor: 'U2', verdict: 'useful' },
    ]);

    // The occurrence closes and opens again: snoozed for this account and signal.
    const occurrence = await db()
      .selectFrom('signal_occurrences')
      .selectAll()
      .where('workspace_id', '=', ws())
      .where('id', '=', alert!.occurrenceId)
      .executeTakeFirstOrThrow();
    await recordEvent(db(), {
      workspaceId: ws(),
      type: 'signal.opened',
      subject: String(occurrence.id),
      payload: {
        occurrenceId: Number(occurrence.id),
        accountId: occurrence.account_id,
        signalKey: occurrence.signal_key,
        strength: 1,
        explanation: occurrence.explanation,
        firstSeenAt: occurrence.first_seen_at,
        lastSeenAt: occurrence.last_seen_at,
        reopened: true,
      },
    });
    await deriveAlerts(db(), new Date());
    const forOccurrence = (await alertsOf('churn to C1')).filter(
      (a) => a.occurrenceId === Number(occurrence.id),
    );
    expect(forOccurrence).toHaveLength(2);
    expect(forOccurrence.find((a) => a.id !== alert!.id)).toMatchObject({
      status: 'suppressed',
      reason: 'snoozed',
    });
  });

  it('a reopening inside the cool-down is suppressed; the rest is queued again', async () => {
    // Not the occurrence the feedback test snoozed (a snooze outranks the cool-down).
    const snoozed = new Set(
      (await listAlerts(db(), ws(), { limit: 500 }))
        .filter((a) => a.reason === 'snoozed')
        .map((a) => a.occurrenceId),
    );
    const alerts = (await alertsOf('churn in a storm')).filter(
      (a) => a.status === 'sent' && !snoozed.has(a.occurrenceId),
    );
    const target = alerts[0]!;
    const occurrence = await db()
      .selectFrom('signal_occurrences')
      .selectAll()
      .where('workspace_id', '=', ws())
      .where('id', '=', target.occurrenceId)
      .executeTakeFirstOrThrow();
    await recordEvent(
      db(),
      {
        workspaceId: ws(),
        type: 'signal.opened',
        subject: String(occurrence.id),
        payload: {
          occurrenceId: Number(occurrence.id),
          accountId: occurrence.account_id,
          signalKey: occurrence.signal_key,
        },
      },
      new Date(NOW.getTime() + 2 * 3_600_000),
    );
    await deriveAlerts(db(), new Date());
    const reopened = (await alertsOf('churn in a storm')).filter(
      (a) => a.occurrenceId === target.occurrenceId,
    );
    expect(reopened.map((a) => a.reason).sort()).toEqual(['cooldown', null]);
  });
});

describe('digests', () => {
  it('with news, e-mails an HTML and a text part and posts to the channel, once per period', async () => {
    const digest = await createDigest(
      db(),
      ws(),
      { name: 'Daily', channelId: 'C_DIGEST', emails: ['cs@acme.test'] },
      actor,
      new Date(),
    );
    await db()
      .updateTable('digests')
      .set({ last_period_end: '2000-01-01T00:00:00.000Z' })
      .where('id', '=', digest.id)
      .execute();
    const end = new Date(Date.now() + 1000);
    const run = await runDigest(t.rt, ws(), digest.id, end);
    expect(run.status).toBe('sent');
    expect(run.summary!.counts.newAccounts).toBeGreaterThan(0);
    expect(run.summary!.counts.heldBack).toBeGreaterThan(0);
    expect(mails()).toHaveLength(1);
    expect(mails()[0]).toContain('text/html');
    expect(mails()[0]).toContain('text/plain');
    expect(mails()[0]).toContain('https://beton.test/accounts/');
    expect(postsTo('C_DIGEST')).toHaveLength(1);
    const held = await alertsOf('capped');
    expect(held.filter((a) => a.status === 'digest').length).toBeGreaterThan(0);

    const second = await runDigest(t.rt, ws(), digest.id, end);
    expect(second.id).toBe(run.id);
    expect(mails()).toHaveLength(1);
    expect(postsTo('C_DIGEST')).toHaveLength(1);
  });

  it('with nothing new since the last one, sends nothing', async () => {
    const digest = await createDigest(
      db(),
      ws(),
      { name: 'Quiet', channelId: 'C1', emails: ['cs@acme.test'] },
      actor,
      new Date(),
    );
    const postsBefore = server.posts.length;
    const run = await runDigest(t.rt, ws(), digest.id, new Date(Date.now() + 1000));
    expect(run.status).toBe('empty');
    expect(server.posts.length).toBe(postsBefore);
    expect(mails()).toHaveLength(1);
  });
});

describe('a try with an unknown outcome is looked up before posting again', () => {
  /** Refs of the posts an alert has in a channel. */
  const postsOf = (channel: string, alertId: string) => postsTo(channel).filter((p) => p.ref?.id === alertId);
  const historyOf = async (alertId: string) =>
    (await listAlerts(db(), ws(), { id: alertId }))[0]!.history.map((h) => [h.status, h.errorCode]);

  /**
   * What a worker that died mid-send leaves: the alert claimed (lease now lapsed) with its intent
   * recorded; with `posted`, its message already in the channel (the service took it).
   */
  async function leaveInFlight(channel: string, opts: { posted: boolean }) {
    // A queued one: an earlier test snoozed a pair, whose alerts are held under every rule.
    const alert = (await alertsOf(`in flight to ${channel}`)).find((a) => a.status === 'queued');
    const intentAt = new Date(Date.now() - 2_000).toISOString();
    if (opts.posted) {
      const { messenger } = await openMessenger(t.rt, ws());
      await messenger.post(
        { kind: 'channel', id: channel },
        {
          text: "the dead worker's post",
          ref: { kind: ALERT_MESSAGE_KIND, id: alert!.id, attemptId: 'try-dead' },
        },
      );
    }
    await db()
      .updateTable('alerts')
      .set({
        status: 'sending',
        attempts: 1,
        lease_until: new Date(Date.now() - 1_000).toISOString(),
        send_attempt_id: 'try-dead',
        send_intent_at: intentAt,
      })
      .where('workspace_id', '=', ws())
      .where('id', '=', alert!.id)
      .execute();
    // The next worker's tick hands the lapsed lease back.
    await dueTargets(db(), new Date());
    return alert!.id;
  }

  it('found by its id in the channel: marked sent with that message, not posted again', async () => {
    const id = await leaveInFlight('C_FOUND', { posted: true });
    const queued = (await alertsOf('in flight to C_FOUND')).filter(
      (a) => a.status === 'queued' && a.id !== id,
    );
    const lookups = server.lookups;
    const r = await deliverTarget(t.rt, ws(), 'channel:C_FOUND');
    expect(r.recovered).toBe(1);
    expect(server.lookups - lookups).toBeGreaterThanOrEqual(1);
    expect(postsOf('C_FOUND', id)).toHaveLength(1);
    const [alert] = await listAlerts(db(), ws(), { id });
    expect(alert!.status).toBe('sent');
    expect(alert!.history.map((h) => [h.status, h.errorMessage])).toEqual([
      ['recovered', expect.stringContaining('try-dead')],
    ]);
    // The others of that channel had no intent left behind: posted once each, nothing looked up.
    expect(queued.length).toBeGreaterThan(0);
    for (const other of queued) {
      expect(postsOf('C_FOUND', other.id)).toHaveLength(1);
      expect(await historyOf(other.id)).toEqual([['sent', null]]);
    }
  });

  it('not in the channel: posted once', async () => {
    const id = await leaveInFlight('C_NEVER', { posted: false });
    const r = await deliverTarget(t.rt, ws(), 'channel:C_NEVER');
    expect(r.recovered).toBe(0);
    expect(postsOf('C_NEVER', id)).toHaveLength(1);
    expect(await historyOf(id)).toEqual([['sent', null]]);
  });

  it('a messenger that cannot look posts again, and the attempt says so', async () => {
    const id = await leaveInFlight('C_BLIND', { posted: true });
    const { messenger, pacePerTargetPerSecond } = await openMessenger(t.rt, ws());
    const { findPosted: _cannot, ...blind } = messenger;
    await deliverTarget(t.rt, ws(), 'channel:C_BLIND', {
      messenger: { messenger: blind, pacePerTargetPerSecond },
    });
    expect(postsOf('C_BLIND', id)).toHaveLength(2);
    expect(await historyOf(id)).toEqual([['sent', 'unchecked']]);
  });

  it('a lookup the service refuses for good (missing_scope): posted again, the attempt names the code', async () => {
    const id = await leaveInFlight('C_NOSCOPE', { posted: false });
    server.historyErrors.push('missing_scope');
    await deliverTarget(t.rt, ws(), 'channel:C_NOSCOPE');
    expect(postsOf('C_NOSCOPE', id)).toHaveLength(1);
    expect(await historyOf(id)).toEqual([['sent', 'missing_scope']]);
  });

  it('a lookup that fails for now is retried with backoff; nothing is posted meanwhile', async () => {
    const id = await leaveInFlight('C_FLAKY', { posted: true });
    server.historyErrors.push('internal_error');
    await deliverTarget(t.rt, ws(), 'channel:C_FLAKY');
    expect(postsOf('C_FLAKY', id)).toHaveLength(1);
    expect(await historyOf(id)).toEqual([
      ['retry', 'internal_error'],
      ['recovered', null],
    ]);
  });

  it('a failed alert whose last try had no answer is looked up on a manual retry', async () => {
    const id = await leaveInFlight('C_RETRY', { posted: true });
    // Its tries ran out with no answer: failed, the intent kept.
    await db()
      .updateTable('alerts')
      .set({ status: 'failed', reason: 'server_error' })
      .where('workspace_id', '=', ws())
      .where('id', '=', id)
      .execute();
    await deliverTarget(t.rt, ws(), 'channel:C_RETRY');
    const retried = await t.request('POST', `/api/v1/alerts/${id}/retry`, { key: t.keys.admin });
    expect(retried.status).toBeLessThan(300);
    await deliverTarget(t.rt, ws(), 'channel:C_RETRY');
    expect(postsOf('C_RETRY', id)).toHaveLength(1);
    expect(await historyOf(id)).toEqual([['recovered', null]]);
  });

  it('a post whose answer is lost (5xx after the service took it) is found on the retry, not posted twice', async () => {
    const queued = (await alertsOf('in flight to C_LOST')).filter((a) => a.status === 'queued');
    server.lostAnswers = 1;
    const r = await deliverTarget(t.rt, ws(), 'channel:C_LOST');
    expect(r.recovered).toBe(1);
    // The first one posted is the one whose answer was lost.
    const first = postsTo('C_LOST')[0]!.ref!;
    expect(postsOf('C_LOST', first.id)).toHaveLength(1);
    expect(await historyOf(first.id)).toEqual([
      ['retry', 'server_error'],
      ['recovered', null],
    ]);
    for (const a of queued) {
      expect((await listAlerts(db(), ws(), { id: a.id }))[0]!.status).toBe('sent');
      expect(postsOf('C_LOST', a.id)).toHaveLength(1);
    }
  });
});
