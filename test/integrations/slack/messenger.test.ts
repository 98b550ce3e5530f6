import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { createLogger } from '../../../src/core/logger.js';
import { createIntegrationClient } from '../../../src/integrations/client-factory.js';
import { MessagingError, type Messenger } from '../../../src/integrations/index.js';
import slack, { type SlackClient } from '../../../src/integrations/slack/index.js';
import {
  createSlackSimulator,
  DEFAULT_SLACK_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackSimulator,
} from '../../../src/integrations/slack/simulator/index.js';
import { generateDataset } from '../../../src/simulators/dataset/index.js';

const logger = createLogger({ level: 'silent' });
const dataset = generateDataset({ seed: 'slack-messenger', companies: 10 });
const NARROW_TOKEN = 'xoxb-1111111111-narrow-scopes-token';

function messengerFor(sim: SlackSimulator, botToken = DEFAULT_SLACK_TOKEN): Messenger {
  const { client } = createIntegrationClient(
    slack,
    {
      workspaceId: 'ws',
      connectionId: `c-${botToken}`,
      credentials: { botToken, signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
      settings: { baseUrl: `${sim.url}/api` },
    },
    {
      logger,
      clock: systemClock,
      allowPrivateHosts: true,
      http: { retry: { baseDelayMs: 10, maxAttempts: 5 } },
    },
  );
  return slack.messaging!.open(client as SlackClient, {
    workspaceId: 'ws',
    connectionId: 'c',
    settings: {},
    logger,
    clock: systemClock,
  });
}

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MessagingError);
  return error as MessagingError;
};

describe('Slack messenger against the simulator over HTTP', () => {
  let sim: SlackSimulator;
  let messenger: Messenger;

  beforeAll(async () => {
    sim = createSlackSimulator({
      dataset,
      maxPageSize: 7,
      tokens: [
        { token: DEFAULT_SLACK_TOKEN },
        { token: NARROW_TOKEN, scopes: ['chat:write', 'channels:read', 'groups:read'] },
      ],
    });
    await sim.listen();
    messenger = messengerFor(sim);
  });
  afterAll(() => sim.close());

  it('reads every page of conversations.list, following next_cursor until it is empty', async () => {
    const before = sim.counters.byRoute['GET /api/conversations.list'] ?? 0;
    const channels = await messenger.listChannels();
    // Public channels and the private ones the bot is in; a private channel without it is invisible.
    const visible = sim.world.channels.filter((c) => !c.isPrivate || c.botIsMember);
    expect(channels.map((c) => c.id).sort()).toEqual(visible.map((c) => c.id).sort());
    expect((sim.counters.byRoute['GET /api/conversations.list'] ?? 0) - before).toBe(
      Math.ceil(visible.length / 7),
    );
    expect(channels.find((c) => c.name === 'random')).toMatchObject({ isMember: false, isArchived: false });
    expect(channels.find((c) => c.name === 'old-alerts')).toMatchObject({ isArchived: true });
    expect(channels.find((c) => c.name === 'leadership')).toMatchObject({ isPrivate: true, isMember: true });
  });

  it('finds a person by e-mail (users.lookupByEmail) and answers null for users_not_found', async () => {
    const owner = dataset.crm.members[0]!;
    const found = await messenger.findPersonByEmail(owner.email.toUpperCase());
    expect(found).toEqual({ id: sim.world.users[0]!.id, name: `${owner.firstName} ${owner.lastName}` });
    expect(await messenger.findPersonByEmail('nobody@elsewhere.example')).toBeNull();
  });

  it('posts a rendered card to a channel and updates it in place', async () => {
    const card = messenger.renderCard!({
      title: 'Acme <Corp>: expansion',
      subtitle: 'Grade B → A',
      lines: ['Seats used rose 40% in 14 days & 3 admins invited colleagues.'],
      fields: [{ label: 'Score', value: '87' }],
      links: [{ label: 'Open in Beton', url: 'https://beton.example/accounts/1' }],
      actions: [
        { verdict: 'useful', label: 'Useful' },
        { verdict: 'not_useful', label: 'Not useful' },
        { verdict: 'snooze', label: 'Snooze 30 days' },
      ],
      alertRef: 'alert-1',
    });
    const channel = sim.channel('revenue-signals').id;
    const sent = await messenger.post({ kind: 'channel', id: channel }, card);
    const stored = sim.message(sent.channel, sent.ts)!;
    expect(stored.text).toContain('Acme <Corp>: expansion');
    // mrkdwn escapes &, < and >; the plain-text header does not need to.
    expect(JSON.stringify(stored.blocks)).toContain('14 days &amp; 3 admins');
    expect(stored.blocks).toContainEqual(expect.objectContaining({ type: 'actions' }));
    await messenger.update(sent, { text: 'Judged useful by Ana' });
    expect(sim.message(sent.channel, sent.ts)).toMatchObject({ text: 'Judged useful by Ana', edits: 1 });
  });

  it('sends a direct message when the target is a person (a user id as the channel)', async () => {
    const person = sim.world.users[1]!;
    const sent = await messenger.post(
      { kind: 'person', id: person.id },
      { text: 'Your account Acme escalated' },
    );
    expect(sent.channel).toMatch(/^D/);
    expect(sim.messages(sent.channel).map((m) => m.text)).toEqual(['Your account Acme escalated']);
  });

  it("names Slack's ok:false code: not_in_channel, is_archived, channel_not_found are permanent", async () => {
    const before = sim.messages().length;
    const notIn = await failure(
      messenger.post({ kind: 'channel', id: sim.channel('random').id }, { text: 'x' }),
    );
    expect(notIn).toMatchObject({ code: 'not_in_channel', options: { permanent: true } });
    expect(notIn.message).toContain('/invite');
    const archived = await failure(
      messenger.post({ kind: 'channel', id: sim.channel('old-alerts').id }, { text: 'x' }),
    );
    expect(archived).toMatchObject({ code: 'is_archived', options: { permanent: true } });
    const hidden = await failure(
      messenger.post({ kind: 'channel', id: sim.channel('board-private').id }, { text: 'x' }),
    );
    expect(hidden).toMatchObject({ code: 'channel_not_found', options: { permanent: true } });
    expect(sim.messages().length).toBe(before);
  });

  it('refuses blocks without the text fallback, and malformed blocks, with the code', async () => {
    const channel = { kind: 'channel' as const, id: sim.channel('sales').id };
    expect(await failure(messenger.post(channel, { text: '', blocks: [{ type: 'divider' }] }))).toMatchObject(
      {
        code: 'no_text',
      },
    );
    expect(
      await failure(
        messenger.post(channel, {
          text: 'x',
          blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'x' } }],
        }),
      ),
    ).toMatchObject({ code: 'invalid_blocks', options: { permanent: true } });
  });

  it('reports missing_scope (with the scope needed) for a token without users:read.email', async () => {
    const narrow = messengerFor(sim, NARROW_TOKEN);
    const error = await failure(narrow.findPersonByEmail('a@b.example'));
    expect(error).toMatchObject({ code: 'missing_scope', options: { permanent: true } });
    expect(error.message).toContain('users:read.email');
  });

  it('answers invalid_auth for a token Slack does not know', async () => {
    const wrong = messengerFor(sim, 'xoxb-9999999999-not-a-real-token');
    expect(await failure(wrong.listChannels())).toMatchObject({
      code: 'invalid_auth',
      options: { permanent: true },
    });
  });
});

describe('Slack message metadata and conversations.history: finding a post by its ref', () => {
  let sim: SlackSimulator;
  let messenger: Messenger;
  const ref = { kind: 'beton_alert', id: 'alt_found_me', attemptId: 'try-1' };
  const channel = () => sim.channel('revenue-signals').id;
  /** A Web API call as Slack takes it (form-encoded), answered as JSON. */
  const call = async (method: string, args: Record<string, string>, token = DEFAULT_SLACK_TOKEN) => {
    const res = await fetch(`${sim.url}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args).toString(),
    });
    return (await res.json()) as Record<string, unknown> & { messages?: Record<string, unknown>[] };
  };

  beforeAll(async () => {
    sim = createSlackSimulator({
      dataset,
      maxPageSize: 3,
      knobs: { rateLimits: false },
      tokens: [
        { token: DEFAULT_SLACK_TOKEN },
        { token: NARROW_TOKEN, scopes: ['chat:write', 'channels:read', 'groups:read', 'im:write'] },
      ],
    });
    await sim.listen();
    messenger = messengerFor(sim);
  });
  afterAll(() => sim.close());

  it("keeps a post's metadata; history shows its payload only with include_all_metadata", async () => {
    const sent = await messenger.post({ kind: 'channel', id: channel() }, { text: 'An alert', ref });
    expect(sim.message(sent.channel, sent.ts)!.metadata).toEqual({
      event_type: 'beton_alert',
      event_payload: { id: 'alt_found_me', attempt_id: 'try-1' },
    });
    const all = await call('conversations.history', { channel: channel(), include_all_metadata: 'true' });
    expect(all.messages![0]).toMatchObject({
      ts: sent.ts,
      bot_id: sim.world.botId,
      metadata: { event_type: 'beton_alert', event_payload: { id: 'alt_found_me' } },
    });
    const plain = await call('conversations.history', { channel: channel() });
    expect(plain.messages![0]!.metadata).toEqual({ event_type: 'beton_alert' });
  });

  it("refuses metadata that is not {event_type, event_payload} with Slack's codes", async () => {
    const bad = (metadata: string) => call('chat.postMessage', { channel: channel(), text: 'x', metadata });
    expect(await bad('{not json')).toMatchObject({ ok: false, error: 'invalid_metadata_format' });
    expect(await bad(JSON.stringify({ event_payload: {} }))).toMatchObject({
      ok: false,
      error: 'invalid_metadata_schema',
    });
  });

  it('pages newest first with next_cursor, from oldest (exclusive unless inclusive) up to latest', async () => {
    const ch = sim.channel('sales').id;
    const said = Array.from({ length: 8 }, (_, i) => sim.say(ch, `message ${i}`));
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await call('conversations.history', {
        channel: ch,
        oldest: said[1]!.ts,
        latest: said[6]!.ts,
        inclusive: 'true',
        ...(cursor ? { cursor } : {}),
      });
      expect(page.ok).toBe(true);
      seen.push(...page.messages!.map((m) => String(m.text)));
      cursor = String((page.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '');
      expect(page.has_more).toBe(cursor !== '');
      pages++;
    } while (cursor);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1].map((i) => `message ${i}`));
    expect(pages).toBe(2);
    const exclusive = await call('conversations.history', { channel: ch, oldest: said[6]!.ts });
    expect(exclusive.messages!.map((m) => m.text)).toEqual(['message 7']);
    expect(await call('conversations.history', { channel: ch, cursor: 'bm9wZQ==' })).toMatchObject({
      ok: false,
      error: 'invalid_cursor',
    });
    expect(await call('conversations.history', { channel: ch, oldest: 'yesterday' })).toMatchObject({
      ok: false,
      error: 'invalid_ts_oldest',
    });
  });

  it('answers not_in_channel, channel_not_found and missing_scope (the *:history scope by kind)', async () => {
    expect(await call('conversations.history', { channel: sim.channel('general').id })).toMatchObject({
      ok: false,
      error: 'not_in_channel',
    });
    expect(await call('conversations.history', { channel: sim.channel('board-private').id })).toMatchObject({
      ok: false,
      error: 'channel_not_found',
    });
    const narrow = (name: string) =>
      call('conversations.history', { channel: sim.channel(name).id }, NARROW_TOKEN);
    expect(await narrow('sales')).toMatchObject({ error: 'missing_scope', needed: 'channels:history' });
    expect(await narrow('leadership')).toMatchObject({ error: 'missing_scope', needed: 'groups:history' });
    const dm = sim.dmChannelOf(sim.world.users[0]!.id);
    expect(await call('conversations.history', { channel: dm }, NARROW_TOKEN)).toMatchObject({
      error: 'missing_scope',
      needed: 'im:history',
    });
  });

  it('findPosted walks every page since the time given and finds the post by its ref, in a channel or a DM', async () => {
    const ch = sim.channel('customer-success').id;
    const since = new Date(Date.now() - 1_000);
    const wanted = { kind: 'beton_alert', id: 'alt_among_many', attemptId: 'try-7' };
    const sent = await messenger.post({ kind: 'channel', id: ch }, { text: 'The alert', ref: wanted });
    // People talk after it: the post is several pages back.
    for (let i = 0; i < 10; i++) sim.say(ch, `chatter ${i}`);
    const before = sim.counters.byRoute['GET /api/conversations.history'] ?? 0;
    expect(await messenger.findPosted!({ kind: 'channel', id: ch }, wanted, since)).toEqual({
      channel: ch,
      ts: sent.ts,
      attemptId: 'try-7',
    });
    expect((sim.counters.byRoute['GET /api/conversations.history'] ?? 0) - before).toBe(4);
    // Another id, or a window that starts after the post: nothing.
    expect(
      await messenger.findPosted!({ kind: 'channel', id: ch }, { ...wanted, id: 'alt_other' }, since),
    ).toBeNull();
    expect(
      await messenger.findPosted!({ kind: 'channel', id: ch }, wanted, new Date(Date.now() + 1_000)),
    ).toBeNull();

    const person = sim.world.users[2]!;
    const dm = await messenger.post({ kind: 'person', id: person.id }, { text: 'For you', ref: wanted });
    expect(await messenger.findPosted!({ kind: 'person', id: person.id }, wanted, since)).toEqual({
      channel: sim.dmChannelOf(person.id),
      ts: dm.ts,
      attemptId: 'try-7',
    });
  });

  it('a token without channels:history cannot look: missing_scope, permanent, a refusal', async () => {
    const narrow = messengerFor(sim, NARROW_TOKEN);
    const error = await failure(narrow.findPosted!({ kind: 'channel', id: channel() }, ref, new Date(0)));
    expect(error).toMatchObject({ code: 'missing_scope', options: { permanent: true, refused: true } });
    expect(error.message).toContain('channels:history');
  });
});

describe('Slack per-channel pace: 429 with Retry-After is honoured', () => {
  let sim: SlackSimulator;
  beforeAll(async () => {
    sim = createSlackSimulator({ dataset, channelBurst: 1 });
    await sim.listen();
  });
  afterAll(() => sim.close());

  it('posts a burst to one channel: every refused post is retried no sooner than Retry-After, none lost', async () => {
    const messenger = messengerFor(sim);
    const channel = sim.channel('signals-01').id;
    const sent = await Promise.all(
      [1, 2, 3].map((n) => messenger.post({ kind: 'channel', id: channel }, { text: `alert ${n}` })),
    );
    expect(new Set(sent.map((s) => s.ts)).size).toBe(3);
    expect(
      sim
        .messages(channel)
        .map((m) => m.text)
        .sort(),
    ).toEqual(['alert 1', 'alert 2', 'alert 3']);
    const attempts = sim.postAttempts.filter((a) => a.channel === channel);
    const refused = attempts.filter((a) => a.refusedUntilMs !== undefined);
    expect(refused.length).toBeGreaterThan(0);
    expect(sim.counters.rateLimited).toBe(refused.length);
    // Each refusal said when to come back: the same message was not tried again before that.
    for (const r of refused) {
      const retry = attempts.find((a) => a.text === r.text && a.atMs > r.atMs);
      expect(retry).toBeDefined();
      expect(retry!.atMs).toBeGreaterThanOrEqual(r.refusedUntilMs! - 5);
    }
  });

  it('a storm of 429s: the client waits out each Retry-After before asking again, then succeeds', async () => {
    const messenger = messengerFor(sim);
    const from = sim.calls.length;
    sim.rateLimitStorm(2, 1);
    const channels = await messenger.listChannels();
    expect(channels.length).toBeGreaterThan(0);
    const calls = sim.calls.slice(from);
    expect(calls.filter((c) => c.refusedUntilMs !== undefined)).toHaveLength(2);
    for (const [i, call] of calls.entries()) {
      const next = calls[i + 1];
      if (call.refusedUntilMs !== undefined && next)
        expect(next.atMs).toBeGreaterThanOrEqual(call.refusedUntilMs - 5);
    }
  });
});
