import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSlackSimulator,
  DEFAULT_SLACK_TOKEN,
  type SlackSimulator,
} from '../../../src/integrations/slack/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';

/**
 * The simulator answers Slack's official client (`@slack/web-api`, which sends forms, not JSON, and
 * reads `ok`, `error` and `Retry-After` its own way) as Slack does: a check that the stand-in is
 * shaped like the service and not just like Beton's own client.
 */
describe('the Slack simulator under the official @slack/web-api client', () => {
  let sim: SlackSimulator;
  let web: WebClient;

  beforeAll(async () => {
    sim = createSlackSimulator({
      dataset: generateDataset({ seed: 'slack-official', companies: 5 }),
      maxPageSize: 9,
    });
    await sim.listen();
    web = new WebClient(DEFAULT_SLACK_TOKEN, {
      slackApiUrl: `${sim.url}/api/`,
      retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 },
    });
  });
  afterAll(() => sim.close());

  it('auth.test names the team and the bot', async () => {
    const me = await web.auth.test();
    expect(me).toMatchObject({
      ok: true,
      team: sim.world.teamName,
      team_id: sim.world.teamId,
      user_id: sim.world.botUserId,
    });
  });

  it('paginates conversations.list through next_cursor', async () => {
    const ids: string[] = [];
    for await (const page of web.paginate('conversations.list', {
      types: 'public_channel,private_channel',
      limit: 9,
    })) {
      ids.push(...((page as { channels?: { id: string }[] }).channels ?? []).map((c) => c.id));
    }
    expect(ids.sort()).toEqual(
      sim.world.channels
        .filter((c) => !c.isPrivate || c.botIsMember)
        .map((c) => c.id)
        .sort(),
    );
  });

  it('posts blocks sent as a form field, and raises ok:false as a platform error with the code', async () => {
    const posted = await web.chat.postMessage({
      channel: sim.channel('sales').id,
      text: 'fallback',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Acme* expanded' } }],
    });
    expect(posted.ok).toBe(true);
    expect(sim.message(posted.channel!, posted.ts!)?.blocks).toHaveLength(1);
    const error = await web.chat
      .postMessage({ channel: sim.channel('random').id, text: 'x' })
      .catch((e: { code: string; data: { error: string } }) => e);
    expect(error).toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'not_in_channel' },
    });
    const lookup = await web.users
      .lookupByEmail({ email: 'nobody@nowhere.example' })
      .catch((e: { data: { error: string } }) => e);
    expect(lookup).toMatchObject({ data: { error: 'users_not_found' } });
  });
});
