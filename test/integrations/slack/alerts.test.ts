import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRule, deliverTarget, deriveAlerts, listAlerts } from '../../../src/alerts/index.js';
import { fixedClock } from '../../../src/core/index.js';
import {
  createSlackSimulator,
  DEFAULT_SLACK_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackSimulator,
} from '../../../src/integrations/slack/simulator/index.js';
import { runScore } from '../../../src/scoring/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';
import { NOW, seedSignalWorld } from '../../alerts/support/world.js';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';

/**
 * Slack end to end on real parts: a score run opens occurrences, a rule sends them to a channel of
 * the Slack simulator as Block Kit cards, and a button pressed there (a request signed like
 * Slack's) reaches the alerts' feedback through the interactions endpoint and updates the card.
 */
describe('alerts delivered to Slack, answered with its buttons', () => {
  let t: TestRuntime;
  let sim: SlackSimulator;
  const db = () => t.rt.db.kysely;

  beforeAll(async () => {
    sim = createSlackSimulator({ dataset: generateDataset({ seed: 'slack-alerts', companies: 5 }) });
    await sim.listen();
    t = await createTestRuntime({
      env: { BETON_ALLOW_PRIVATE_HOSTS: 'true', BETON_PUBLIC_URL: 'https://beton.test' },
    });
    const connected = await t.request('PUT', '/api/v1/integrations/slack', {
      key: t.keys.admin,
      body: {
        credentials: { botToken: DEFAULT_SLACK_TOKEN, signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
        settings: { baseUrl: `${sim.url}/api` },
      },
    });
    expect(connected.status).toBe(200);
    await seedSignalWorld(db(), t.workspaceId, 4);
    await createAlertRule(
      db(),
      t.workspaceId,
      {
        name: 'churn to #revenue-signals',
        signals: { directions: ['churn'] },
        destination: { kind: 'channel', channelId: sim.channel('revenue-signals').id },
      } as never,
      'user_test',
      new Date().toISOString(),
    );
    const run = await runScore(db(), t.workspaceId, { clock: fixedClock(NOW), trigger: 'test' });
    expect(run.status).toBe('succeeded');
    await deriveAlerts(db(), new Date());
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('posts each alert as a card with a text fallback and the three buttons carrying its id', async () => {
    const channel = sim.channel('revenue-signals').id;
    const alerts = await listAlerts(db(), t.workspaceId, { limit: 100 });
    expect(alerts.length).toBeGreaterThan(0);
    const result = await deliverTarget(t.rt, t.workspaceId, `channel:${channel}`);
    expect(result.sent).toBe(alerts.length);
    const posted = sim.messages(channel);
    expect(posted).toHaveLength(alerts.length);
    for (const message of posted) {
      expect(message.text).toContain('https://beton.test/accounts/');
      const buttons = (
        message.blocks as { type: string; elements?: { action_id: string; value: string }[] }[]
      )
        .filter((b) => b.type === 'actions')
        .flatMap((b) => b.elements ?? []);
      expect(buttons.map((b) => b.action_id).sort()).toEqual([
        'beton_feedback:not_useful',
        'beton_feedback:snooze',
        'beton_feedback:useful',
      ]);
      expect(alerts.map((a) => a.id)).toContain(buttons[0]!.value);
    }
  });

  it('a press on "Useful" is verified, stored for the occurrence, and the card shows the verdict', async () => {
    const channel = sim.channel('revenue-signals').id;
    const [message] = sim.messages(channel);
    const press = sim.buttonPress({ channel, ts: message!.ts, actionId: 'beton_feedback:useful' });
    const res = await t.request('POST', '/api/v1/integrations/slack/interactions', {
      headers: press.headers,
      rawBody: press.body,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, recorded: true, messageUpdated: true });
    const rows = await db()
      .selectFrom('alert_feedback')
      .selectAll()
      .where('workspace_id', '=', t.workspaceId)
      .execute();
    expect(rows).toEqual([
      expect.objectContaining({
        verdict: 'useful',
        actor_id: sim.world.users[0]!.id,
        actor_name: sim.world.users[0]!.name,
      }),
    ]);
    const updated = sim.message(channel, message!.ts)!;
    expect(updated.edits).toBe(1);
    // The buttons gave way to the verdict.
    expect(JSON.stringify(updated.blocks ?? [])).not.toContain('beton_feedback:useful');
  });
});
