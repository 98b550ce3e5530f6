import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../../src/connections/index.js';
import type { FeedbackVerdict } from '../../../src/integrations/index.js';
import { slackSignature } from '../../../src/integrations/slack/index.js';
import {
  createSlackSimulator,
  DEFAULT_SLACK_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackSimulator,
  slackWorldFromDataset,
} from '../../../src/integrations/slack/simulator/index.js';
import { acceptInteraction, type FeedbackRecorder, messengerOf } from '../../../src/messaging/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';

const dataset = generateDataset({ seed: 'slack-api', companies: 10 });
const OTHER_SECRET = 'aa11bb22cc33dd44ee55ff6600778899';
const INTERACTIONS = '/api/v1/integrations/slack/interactions';

describe('Slack through the API: connect, channel picker, signed interactions', () => {
  let t: TestRuntime;
  let sim: SlackSimulator;
  let other: SlackSimulator;
  let otherWorkspaceId: string;
  const baseUrl = () => `${sim.url}/api`;

  beforeAll(async () => {
    sim = createSlackSimulator({ dataset, maxPageSize: 10 });
    await sim.listen();
    // A second Slack team with its own app (signing secret), connected by another Beton workspace.
    other = createSlackSimulator({
      dataset,
      signingSecret: OTHER_SECRET,
      world: { ...slackWorldFromDataset(dataset), teamId: 'T0OTHERTEAM', teamName: 'Other Co' },
    });
    await other.listen();
    t = await createTestRuntime({
      env: { BETON_ALLOW_PRIVATE_HOSTS: 'true' },
      httpOptions: { retry: { baseDelayMs: 5, maxWaitMs: 3000, maxAttempts: 3 }, timeoutMs: 5000 },
    });
    const ws = await t.createOtherWorkspace();
    otherWorkspaceId = ws.workspaceId;
    const res = await t.request('PUT', '/api/v1/integrations/slack', {
      key: ws.keys.admin,
      body: {
        credentials: { botToken: DEFAULT_SLACK_TOKEN, signingSecret: OTHER_SECRET },
        settings: { baseUrl: `${other.url}/api` },
      },
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
    await other?.close();
  });

  const connections = (workspaceId: string) =>
    t.rt.db.kysely
      .selectFrom('connections')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', 'slack')
      .execute();

  it('a token Slack refuses (invalid_auth) → 400 invalid_credentials and nothing stored', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/slack', {
      key: t.keys.admin,
      body: {
        credentials: { botToken: 'xoxb-0000-wrong-token', signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
        settings: { baseUrl: baseUrl() },
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_credentials');
    expect(res.json.error.message).toContain('invalid_auth');
    expect(res.text).not.toContain('xoxb-0000-wrong-token');
    expect(await connections(t.workspaceId)).toEqual([]);
  });

  it('a user token (xoxp-) is refused before any call, saying a bot token is needed', async () => {
    const calls = sim.counters.total;
    const res = await t.request('PUT', '/api/v1/integrations/slack', {
      key: t.keys.admin,
      body: {
        credentials: { botToken: 'xoxp-1234-user-token', signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
        settings: { baseUrl: baseUrl() },
      },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('xoxb-');
    expect(sim.counters.total).toBe(calls);
    expect(await connections(t.workspaceId)).toEqual([]);
  });

  it('connects with auth.test: the account is the Slack team, the secrets are masked', async () => {
    const res = await t.request('PUT', '/api/v1/integrations/slack', {
      key: t.keys.admin,
      body: {
        credentials: { botToken: DEFAULT_SLACK_TOKEN, signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
        settings: { baseUrl: baseUrl() },
      },
    });
    expect(res.status).toBe(200);
    const connection = res.json.integration.connection;
    expect(connection).toMatchObject({ status: 'connected', accountLabel: sim.world.teamName });
    expect(connection.health.details.teamId).toBe(sim.world.teamId);
    expect(res.text).not.toContain(DEFAULT_SLACK_TOKEN);
    expect(res.text).not.toContain(DEFAULT_SLACK_SIGNING_SECRET);
    expect(res.json.integration.roles).toEqual(['messaging']);
  });

  it('lists the channels for the picker (every page), to viewers too', async () => {
    const res = await t.request('GET', '/api/v1/integrations/slack/channels', { key: t.keys.viewer });
    expect(res.status).toBe(200);
    const visible = sim.world.channels.filter((c) => !c.isPrivate || c.botIsMember);
    expect(res.json.channels).toHaveLength(visible.length);
    expect(res.json.channels).toContainEqual({
      id: sim.channel('random').id,
      name: 'random',
      isPrivate: false,
      isArchived: false,
      isMember: false,
    });
    const unknown = await t.request('GET', '/api/v1/integrations/stripe/channels', { key: t.keys.viewer });
    expect(unknown.status).toBe(400);
  });

  /** Post a card through the workspace's connection and press one of its buttons on the simulator. */
  async function pressOnPostedCard(verdict: FeedbackVerdict, alertRef: string) {
    const open = await openConnection(t.rt, t.workspaceId, 'slack');
    const messenger = messengerOf(t.rt, open);
    const card = messenger.renderCard!({
      title: 'Acme: expansion',
      lines: ['Seats up 40%'],
      links: [],
      actions: [
        { verdict: 'useful', label: 'Useful' },
        { verdict: 'not_useful', label: 'Not useful' },
        { verdict: 'snooze', label: 'Snooze 30 days' },
      ],
      alertRef,
    });
    const sent = await messenger.post({ kind: 'channel', id: sim.channel('revenue-signals').id }, card);
    return { sent, press: sim.buttonPress({ ...sent, actionId: `beton_feedback:${verdict}` }) };
  }

  const feedbackRows = () => t.rt.db.kysely.selectFrom('alert_feedback').selectAll().execute();

  it('refuses a forged signature with 401 and records nothing', async () => {
    const { press } = await pressOnPostedCard('useful', 'alert-forged');
    const forged = {
      ...press.headers,
      'x-slack-signature': slackSignature(
        '0123456789abcdef0123456789abcdef',
        press.headers['x-slack-request-timestamp']!,
        press.body,
      ),
    };
    const res = await t.request('POST', INTERACTIONS, { headers: forged, rawBody: press.body });
    expect(res.status).toBe(401);
    expect(await feedbackRows()).toEqual([]);
    // A body changed after signing fails too.
    const tampered = await t.request('POST', INTERACTIONS, {
      headers: press.headers,
      rawBody: press.body.replace('alert-forged', 'alert-other1'),
    });
    expect(tampered.status).toBe(401);
    const unsigned = await t.request('POST', INTERACTIONS, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: press.body,
    });
    expect(unsigned.status).toBe(401);
    expect(await feedbackRows()).toEqual([]);
  });

  it('refuses a correctly signed request older than 5 minutes (a replay) with 401', async () => {
    const { sent } = await pressOnPostedCard('useful', 'alert-stale');
    const stale = sim.buttonPress({
      ...sent,
      actionId: 'beton_feedback:useful',
      timestamp: Math.floor(Date.now() / 1000) - 301,
    });
    const res = await t.request('POST', INTERACTIONS, { headers: stale.headers, rawBody: stale.body });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toContain('signing secret');
    expect(await feedbackRows()).toEqual([]);
  });

  it('a verified press reaches the alerts feedback (an unknown alert answers its 404)', async () => {
    const { press } = await pressOnPostedCard('useful', 'alert-unknown');
    const res = await t.request('POST', INTERACTIONS, { headers: press.headers, rawBody: press.body });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain('alert-unknown');
  });

  it('routes a verified press to the workspace whose app signed it, with the verdict and person, and updates the message', async () => {
    const seen: Parameters<FeedbackRecorder>[1][] = [];
    const recorder: FeedbackRecorder = async (_rt, input) => {
      seen.push(input);
      return { message: { text: `Snoozed by ${input.actor.name}` } };
    };
    const { sent, press } = await pressOnPostedCard('snooze', 'alert-42');
    const outcome = await acceptInteraction(
      t.rt,
      { integration: 'slack', body: Buffer.from(press.body), headers: press.headers },
      recorder,
    );
    expect(outcome).toEqual({ ok: true, recorded: true, messageUpdated: true });
    expect(seen).toEqual([
      {
        workspaceId: t.workspaceId,
        alertRef: 'alert-42',
        verdict: 'snooze',
        actor: { id: sim.world.users[0]!.id, name: sim.world.users[0]!.name },
      },
    ]);
    expect(sim.message(sent.channel, sent.ts)).toMatchObject({
      text: `Snoozed by ${sim.world.users[0]!.name}`,
      edits: 1,
    });

    // The other workspace's app signs with its own secret: its press goes to that workspace.
    const otherSent = await other.app.inject({
      method: 'POST',
      url: '/api/chat.postMessage',
      headers: { authorization: `Bearer ${DEFAULT_SLACK_TOKEN}`, 'content-type': 'application/json' },
      payload: {
        channel: other.channel('sales').id,
        text: 'x',
        blocks: [
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                action_id: 'beton_feedback:not_useful',
                text: { type: 'plain_text', text: 'No' },
                value: 'alert-7',
              },
            ],
          },
        ],
      },
    });
    const { channel, ts } = otherSent.json() as { channel: string; ts: string };
    const otherPress = other.buttonPress({ channel, ts, actionId: 'beton_feedback:not_useful' });
    await acceptInteraction(
      t.rt,
      { integration: 'slack', body: Buffer.from(otherPress.body), headers: otherPress.headers },
      recorder,
    );
    expect(seen[1]).toMatchObject({
      workspaceId: otherWorkspaceId,
      alertRef: 'alert-7',
      verdict: 'not_useful',
    });
  });
});
