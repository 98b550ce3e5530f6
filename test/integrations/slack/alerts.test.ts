import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAlertRule,
  deliverTarget,
  deriveAlerts,
  dueTargets,
  listAlerts,
} from '../../../src/alerts/index.js';
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
 * Slack's) reaches the alerts' feedback through the interactions endpoint and updates the card. A
 * post whose answer a dying worker never recorded is found by its metadata and not posted again.
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

  it('carries the alert id in the message metadata; an alert left in flight is found by it, not posted twice', async () => {
    const channel = sim.channel('revenue-signals').id;
    const posted = sim.messages(channel);
    const [alert] = await listAlerts(db(), t.workspaceId, { limit: 1 });
    const message = posted.find((m) => m.metadata?.event_payload.id === alert!.id)!;
    expect(message.metadata).toEqual({
      event_type: 'beton_alert',
      event_payload: { id: alert!.id, attempt_id: expect.any(String) },
    });
    // What a worker killed after Slack took the post leaves: claimed, lease lapsed, intent recorded.
    await db()
      .updateTable('alerts')
      .set({
        status: 'sending',
        sent_json: null,
        lease_until: new Date(Date.now() - 1_000).toISOString(),
        send_intent_at: new Date(Date.now() - 60_000).toISOString(),
      })
      .where('workspace_id', '=', t.workspaceId)
      .where('id', '=', alert!.id)
      .execute();
    await dueTargets(db(), new Date());
    const result = await deliverTarget(t.rt, t.workspaceId, `channel:${channel}`);
    expect(result).toMatchObject({ sent: 1, recovered: 1 });
    expect(sim.messages(channel)).toHaveLength(posted.length);
    const row = await db()
      .selectFrom('alerts')
      .select(['status', 'sent_json'])
      .where('workspace_id', '=', t.workspaceId)
      .where('id', '=', alert!.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
    expect(JSON.parse(row.sent_json!)).toEqual({ channel, ts: message.ts });
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
