import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFor } from '../../../src/accounts/index.js';
import { fixedClock } from '../../../src/core/index.js';
import { runScore } from '../../../src/scoring/index.js';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';

/**
 * Issue 18: the Segment-compatible event endpoint over real HTTP, with requests shaped exactly as
 * `@segment/analytics-node` sends them (Basic auth with the write key and an empty password, a
 * `{ batch, sentAt }` envelope, a messageId per call, retries of whole batches).
 */
const NOW = new Date('2025-06-15T12:00:00.000Z');
const clock = fixedClock(NOW);
const dayAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString().slice(0, 10);
const atAgo = (n: number, minute = 0) =>
  new Date(NOW.getTime() - n * 86_400_000 + minute * 60_000).toISOString();

let t: TestRuntime;
let writeKey: string;
let keyId: string;

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const send = async (path: string, body: unknown, key = writeKey) => {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: basic(key),
      'content-type': 'application/json',
      'user-agent': 'analytics-node-next/latest',
    },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
};
const library = { library: { name: '@segment/analytics-node', version: '2.1.0' } };
let seq = 0;
const call = (type: string, fields: Record<string, unknown>, daysAgo = 0) => ({
  type,
  messageId: `node-next-${++seq}-${type}`,
  timestamp: atAgo(daysAgo, seq % 600),
  context: { ...library, ...((fields.context as object) ?? {}) },
  _metadata: { jsRuntime: 'node' },
  ...fields,
});
const status = async () =>
  (await t.request('GET', '/api/v1/integrations/event_api/ingest', { key: t.keys.viewer })).json.ingest;

/** Track calls per (account, day): acme spikes in the last week, globex drops, initech is steady. */
function plannedTracks(): { group: string; user: string; day: number; viaContext: boolean }[] {
  const out: { group: string; user: string; day: number; viaContext: boolean }[] = [];
  for (let d = 1; d <= 50; d++) {
    for (let i = 0; i < (d <= 7 ? 40 : 10); i++)
      out.push({ group: 'acme.io', user: 'u-acme', day: d, viaContext: true });
    for (let i = 0; i < (d <= 7 ? 2 : 30); i++)
      out.push({ group: 'globex.com', user: 'u-globex', day: d, viaContext: true });
  }
  // initech's calls carry no groupId: they are attributed through its user's group call.
  for (let d = 1; out.length < 5000; d = (d % 50) + 1)
    out.push({ group: 'initech.com', user: 'u-initech', day: d, viaContext: false });
  return out;
}

beforeAll(async () => {
  t = await createTestRuntime({ clock });
  const put = await t.request('PUT', '/api/v1/integrations/event_api', { key: t.keys.admin, body: {} });
  expect(put.status).toBe(200);
  const created = await t.request('POST', '/api/v1/integrations/event_api/ingest/keys', {
    key: t.keys.admin,
  });
  expect(created.status).toBe(201);
  writeKey = created.json.key.key;
  keyId = created.json.key.id;
}, 60_000);
afterAll(() => t?.close());

describe('write keys', () => {
  it('is shown once: listings carry its prefix only, and members cannot create one', async () => {
    expect(writeKey).toMatch(/^bwk_/);
    const s = await status();
    expect(s.keys).toEqual([expect.objectContaining({ id: keyId, revokedAt: null })]);
    expect(JSON.stringify(s)).not.toContain(writeKey);
    expect(s.paths).toContain('/v1/batch');
    expect(s.snippet).toContain('@segment/analytics-node');
    const member = await t.request('POST', '/api/v1/integrations/event_api/ingest/keys', {
      key: t.keys.member,
    });
    expect(member.status).toBe(403);
  });

  it('refuses a wrong, missing or password-style key with 401', async () => {
    const body = { batch: [call('track', { userId: 'x', event: 'e' })] };
    expect((await send('/v1/batch', body, 'bwk_not-a-key')).status).toBe(401);
    const none = await fetch(`${t.baseUrl}/v1/batch`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    expect((await none.json()).error.message).toContain('write key');
  });
});

describe('5,000 track calls with retries', () => {
  const tracks = plannedTracks();
  beforeAll(async () => {
    const setup = [
      call(
        'group',
        { userId: 'u-acme', groupId: 'acme.io', traits: { name: 'Acme', domain: 'acme.io' } },
        60,
      ),
      call(
        'group',
        {
          userId: 'u-globex',
          groupId: 'globex.com',
          traits: { name: 'Globex', website: 'https://www.globex.com' },
        },
        60,
      ),
      call('group', { userId: 'u-initech', groupId: 'initech.com', traits: { name: 'Initech' } }, 60),
      call('identify', { userId: 'u-acme', traits: { email: 'ada@acme.io', title: 'CTO', name: 'Ada' } }, 60),
    ];
    expect((await send('/v1/batch', { batch: setup, sentAt: NOW.toISOString() })).status).toBe(200);
    const calls = tracks.map((p) =>
      call(
        'track',
        {
          userId: p.user,
          event: 'Report Exported',
          properties: { format: 'csv' },
          ...(p.viaContext ? { context: { groupId: p.group } } : {}),
        },
        p.day,
      ),
    );
    const batches: unknown[][] = [];
    for (let i = 0; i < calls.length; i += 250) batches.push(calls.slice(i, i + 250));
    for (let i = 0; i < batches.length; i += 2) {
      // Two batches at once, then each again (a retry after a lost answer), and an overlap of both.
      const pair = batches.slice(i, i + 2);
      const first = await Promise.all(
        pair.map((b) => send('/v1/batch', { batch: b, sentAt: NOW.toISOString() })),
      );
      expect(first.map((r) => r.status)).toEqual(pair.map(() => 200));
      const again = await Promise.all(
        pair.map((b) => send('/api/v1/ingest/batch', { batch: b, sentAt: NOW.toISOString() })),
      );
      expect(again.map((r) => r.json.duplicates)).toEqual(pair.map((b) => b.length));
      const overlap = pair.flatMap((b) => b.slice(0, 50));
      expect((await send('/v1/batch', { batch: overlap })).json).toMatchObject({
        success: true,
        accepted: 0,
      });
    }
  }, 120_000);

  it('counts each call once, on the connection', async () => {
    const s = await status();
    expect(s.counts.received).toBe(5000 + 4);
    expect(s.counts.duplicates).toBeGreaterThanOrEqual(5000);
    expect(s.counts.unattributed).toBe(0);
  });

  it('files usage under the right account and day, late calls on their own day', async () => {
    const rows = await t.rt.db.kysely
      .selectFrom('records')
      .select(['external_id', 'payload_json'])
      .where('workspace_id', '=', t.workspaceId)
      .where('integration', '=', 'event_api')
      .where('stream', '=', 'usage_daily')
      .execute();
    const got = new Map(rows.map((r) => [r.external_id, Number(JSON.parse(r.payload_json).count)]));
    const want = new Map<string, number>();
    for (const p of tracks) {
      const id = `${p.group}|${dayAgo(p.day)}|Report Exported`;
      want.set(id, (want.get(id) ?? 0) + 1);
    }
    expect([...got.values()].reduce((a, b) => a + b, 0)).toBe(5000);
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
  });

  it('gives an account fed only by events usage, signals and a score after a score run', async () => {
    await runScore(t.rt.db.kysely, t.workspaceId, { clock, trigger: 'test' });
    const acme = await t.request('GET', `/api/v1/accounts/${accountIdFor(t.workspaceId, 'acme.io')}`, {
      key: t.keys.viewer,
    });
    expect(acme.status).toBe(200);
    expect(acme.json.signals.map((s: { key: string }) => s.key)).toContain('usage_spike');
    expect(acme.json.scores).toBeTruthy();
    expect(acme.json.links.map((l: { stream: string }) => l.stream)).toEqual(
      expect.arrayContaining(['groups', 'users']),
    );
    const globex = await t.request('GET', `/api/v1/accounts/${accountIdFor(t.workspaceId, 'globex.com')}`, {
      key: t.keys.viewer,
    });
    expect(globex.json.signals.map((s: { key: string }) => s.key)).toContain('usage_drop');
    const initech = await t.request('GET', `/api/v1/accounts/${accountIdFor(t.workspaceId, 'initech.com')}`, {
      key: t.keys.viewer,
    });
    expect(initech.status).toBe(200);
  }, 60_000);
});

describe('limits and malformed calls', () => {
  it('answers 413 for a call over 32 KB and a batch over 500 KB, counted as rejected', async () => {
    const before = (await status()).counts.rejected;
    const big = call('track', { userId: 'u', event: 'e', properties: { blob: 'x'.repeat(33 * 1024) } });
    const single = await send('/v1/track', big);
    expect(single.status).toBe(413);
    expect(single.json.error.message).toContain('32768-byte limit');
    const calls = Array.from({ length: 30 }, () =>
      call('track', { userId: 'u', event: 'e', properties: { blob: 'y'.repeat(20 * 1024) } }),
    );
    const batch = await send('/v1/batch', { batch: calls });
    expect(batch.status).toBe(413);
    expect(batch.json.error.message).toContain('512000-byte limit');
    const inBatch = await send('/v1/batch', { batch: [big] });
    expect(inBatch.status).toBe(400);
    expect((await status()).counts.rejected).toBe(before + 3);
  });

  it.each([
    ['not JSON', '{"batch": [', /not JSON/],
    ['no messageId', { batch: [{ type: 'track', userId: 'u', event: 'e' }] }, /messageId/],
    ['no user', { batch: [{ type: 'track', messageId: 'm-nouser', event: 'e' }] }, /userId/],
    ['a track without event', { batch: [{ type: 'track', messageId: 'm-noevent', userId: 'u' }] }, /event/],
    ['an unknown type', { batch: [{ type: 'purchase', messageId: 'm-type', userId: 'u' }] }, /type/],
    [
      'a bad timestamp',
      { batch: [{ type: 'track', messageId: 'm-ts', userId: 'u', event: 'e', timestamp: 'yesterday' }] },
      /timestamp/,
    ],
    ['a group without groupId', { batch: [{ type: 'group', messageId: 'm-gid', userId: 'u' }] }, /groupId/],
  ])('answers 400 for %s with the reason, counts it and stores nothing', async (_name, body, why) => {
    const before = await status();
    const res = await send('/v1/batch', body);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(why);
    const after = await status();
    expect(after.counts.rejected).toBe(before.counts.rejected + 1);
    expect(after.counts.received).toBe(before.counts.received);
    expect(after.counts.lastRejectReason).toMatch(why);
  });

  it('counts a call with no known account as unattributed, not dropped', async () => {
    const before = (await status()).counts;
    const res = await send('/v1/track', { messageId: 'lonely-1', anonymousId: 'anon-9', event: 'Viewed' });
    expect(res.status).toBe(200);
    const after = (await status()).counts;
    expect(after.received).toBe(before.received + 1);
    expect(after.unattributed).toBe(before.unattributed + 1);
  });
});

describe('revocation and isolation', () => {
  it('another workspace cannot see or revoke the keys', async () => {
    const other = await t.createOtherWorkspace();
    expect(
      (await t.request('GET', '/api/v1/integrations/event_api/ingest', { key: other.keys.admin })).status,
    ).toBe(404);
    expect(
      (
        await t.request('DELETE', `/api/v1/integrations/event_api/ingest/keys/${keyId}`, {
          key: other.keys.admin,
        })
      ).status,
    ).toBe(404);
  });

  it('a revoked key answers 401 at once; a rotated one works', async () => {
    const rotated = await t.request('POST', '/api/v1/integrations/event_api/ingest/keys', {
      key: t.keys.admin,
    });
    const res = await t.request('DELETE', `/api/v1/integrations/event_api/ingest/keys/${keyId}`, {
      key: t.keys.admin,
    });
    expect(res.status).toBe(200);
    expect(res.json.key.revokedAt).toEqual(expect.any(String));
    const body = { messageId: 'after-revoke', userId: 'u-acme', event: 'e' };
    expect((await send('/v1/track', body)).status).toBe(401);
    expect((await send('/v1/track', body, rotated.json.key.key)).status).toBe(200);
  });
});
