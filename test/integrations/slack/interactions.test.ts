import { describe, expect, it } from 'vitest';
import { InteractionRefusedError } from '../../../src/integrations/index.js';
import slack, {
  parseSlackInteraction,
  renderAlertCard,
  slackSignature,
  verifySlackRequest,
} from '../../../src/integrations/slack/index.js';

const SECRET = '8f742231b10e8888abcd99e5f0c1d2a3';
const NOW = new Date('2026-01-01T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

const form = (payload: unknown) =>
  Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
const signed = (body: Buffer, timestamp = nowSeconds) => ({
  'x-slack-request-timestamp': String(timestamp),
  'x-slack-signature': slackSignature(SECRET, String(timestamp), body),
});
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InteractionRefusedError);
    return (error as InteractionRefusedError).reason;
  }
  throw new Error('expected a refusal');
};

const press = (actionId: string, value = 'alert-9') => ({
  type: 'block_actions',
  team: { id: 'T1' },
  user: { id: 'U1', username: 'ana' },
  container: { type: 'message', channel_id: 'C1', message_ts: '1.000001' },
  actions: [{ type: 'button', action_id: actionId, value }],
});

describe("Slack's request signature", () => {
  const body = form(press('beton_feedback:useful'));

  it('accepts the v0 HMAC of timestamp and body up to 5 minutes either way', () => {
    for (const skew of [0, 300, -300]) {
      expect(() =>
        verifySlackRequest({ body, headers: signed(body, nowSeconds + skew), secret: SECRET, now: NOW }),
      ).not.toThrow();
    }
  });

  it('refuses a request signed more than 5 minutes ago or ahead, even when the signature holds', () => {
    for (const skew of [301, -301]) {
      const headers = signed(body, nowSeconds + skew);
      expect(refusal(() => verifySlackRequest({ body, headers, secret: SECRET, now: NOW }))).toBe(
        'unverified',
      );
    }
  });

  it('refuses another secret, a changed body, a truncated signature and missing headers', () => {
    const headers = signed(body);
    const cases = [
      { body, headers, secret: 'ffffffffffffffffffffffffffffffff' },
      { body: Buffer.concat([body, Buffer.from('&x=1')]), headers, secret: SECRET },
      {
        body,
        headers: { ...headers, 'x-slack-signature': headers['x-slack-signature'].slice(0, 20) },
        secret: SECRET,
      },
      { body, headers: { 'x-slack-signature': headers['x-slack-signature'] }, secret: SECRET },
      { body, headers: { ...headers, 'x-slack-request-timestamp': 'soon' }, secret: SECRET },
    ];
    for (const c of cases) expect(refusal(() => verifySlackRequest({ ...c, now: NOW }))).toBe('unverified');
  });
});

describe('reading a button press', () => {
  it('reads verdict, alert, person, team and message from block_actions', () => {
    expect(parseSlackInteraction({ body: form(press('beton_feedback:not_useful')), headers: {} })).toEqual({
      verdict: 'not_useful',
      alertRef: 'alert-9',
      actor: { id: 'U1', name: 'ana' },
      teamId: 'T1',
      message: { channel: 'C1', ts: '1.000001' },
    });
  });

  it('answers null for other interactions (a link button, a shortcut)', () => {
    expect(parseSlackInteraction({ body: form(press('open_in_crm')), headers: {} })).toBeNull();
    expect(
      parseSlackInteraction({ body: form({ type: 'shortcut', team: { id: 'T1' } }), headers: {} }),
    ).toBeNull();
  });

  it('refuses a body without payload, a payload that is not JSON, or an unknown verdict as malformed', () => {
    expect(refusal(() => parseSlackInteraction({ body: Buffer.from('x=1'), headers: {} }))).toBe('malformed');
    expect(refusal(() => parseSlackInteraction({ body: Buffer.from('payload=%7Bnope'), headers: {} }))).toBe(
      'malformed',
    );
    expect(
      refusal(() => parseSlackInteraction({ body: form(press('beton_feedback:maybe')), headers: {} })),
    ).toBe('malformed');
  });

  it('round-trips with the card: each button of a rendered card parses back to its verdict and alert', () => {
    const { blocks } = renderAlertCard({
      title: 'Acme',
      lines: [],
      links: [],
      actions: [
        { verdict: 'useful', label: 'Useful' },
        { verdict: 'snooze', label: 'Snooze 30 days' },
      ],
      alertRef: 'alert-77',
    });
    const buttons = (blocks as { type: string; elements?: { action_id: string; value: string }[] }[])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => b.elements ?? []);
    const parsed = buttons.map(
      (b) => parseSlackInteraction({ body: form(press(b.action_id, b.value)), headers: {} })?.verdict,
    );
    expect(parsed).toEqual(['useful', 'snooze']);
  });
});

describe('the secret-free screen the platform runs before loading any connection', () => {
  const screen = (headers: Record<string, string>) => () =>
    slack.interactions!.screen!({ body: Buffer.from('payload=%7B%7D'), headers, now: NOW });

  it('refuses missing headers and stale or future timestamps without a secret', () => {
    expect(refusal(screen({}))).toBe('unverified');
    expect(refusal(screen({ 'x-slack-request-timestamp': 'soon', 'x-slack-signature': 'v0=00' }))).toBe(
      'unverified',
    );
    for (const skew of [-301, 301]) {
      const headers = {
        'x-slack-request-timestamp': String(nowSeconds + skew),
        'x-slack-signature': 'v0=00',
      };
      expect(refusal(screen(headers))).toBe('unverified');
    }
  });

  it('lets a fresh request through to the signature check (which it does not do itself)', () => {
    const headers = { 'x-slack-request-timestamp': String(nowSeconds - 60), 'x-slack-signature': 'v0=00' };
    expect(screen(headers)).not.toThrow();
  });
});
