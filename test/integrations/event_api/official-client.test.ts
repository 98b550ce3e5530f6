import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../../support/index.js';

/**
 * Issue 18 with the official `@segment/analytics-node` client pointed at Beton by its `host`
 * option. Between them a proxy forwards every batch but answers every third new batch with a 503
 * after Beton stored it — an acknowledgement lost on the way — so the client retries batches Beton
 * already has. Each call must still count once. Only a batch's first answer is lost: a counter over
 * all requests could keep hitting the same batch's retries until the client gave up.
 */
let t: TestRuntime;
let proxy: http.Server;
let proxyUrl: string;
let forwarded = 0;
let lostAnswers = 0;
const batchesSeen = new Set<string>();

const TRACKS = 5000;
const GROUPS = ['acme.io', 'globex.com', 'initech.com'];

beforeAll(async () => {
  t = await createTestRuntime();
  expect(
    (await t.request('PUT', '/api/v1/integrations/event_api', { key: t.keys.admin, body: {} })).status,
  ).toBe(200);
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const upstream = await fetch(`${t.baseUrl}${req.url}`, {
        method: req.method,
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/json',
        },
        body: Buffer.concat(chunks),
      });
      const text = await upstream.text();
      const body = Buffer.concat(chunks).toString('utf8');
      // The first messageId names the batch across the client's retries.
      const batchKey = /"messageId":"([^"]+)"/.exec(body)?.[1] ?? body;
      const firstAttempt = !batchesSeen.has(batchKey);
      batchesSeen.add(batchKey);
      if (firstAttempt) forwarded++;
      if (upstream.status === 200 && firstAttempt && forwarded % 3 === 0) {
        lostAnswers++;
        res.writeHead(503).end();
        return;
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await t?.close();
});

const status = async () =>
  (await t.request('GET', '/api/v1/integrations/event_api/ingest', { key: t.keys.viewer })).json.ingest;

describe('the official @segment/analytics-node client', () => {
  it('sends identify, group and 5,000 track calls through lost answers: each counted once', async () => {
    const created = await t.request('POST', '/api/v1/integrations/event_api/ingest/keys', {
      key: t.keys.admin,
    });
    const analytics = new Analytics({
      writeKey: created.json.key.key,
      host: proxyUrl,
      maxEventsInBatch: 250,
      flushInterval: 20,
      maxRetries: 5,
    });
    const errors: unknown[] = [];
    analytics.on('error', (err) => errors.push(err));

    GROUPS.forEach((domain, i) => {
      analytics.identify({ userId: `u${i}`, traits: { email: `ann@${domain}`, title: 'VP Sales' } });
      analytics.group({ userId: `u${i}`, groupId: domain, traits: { name: domain, domain } });
    });
    // Wait for the groups to land first, so every track is attributed through its user's group.
    await analytics.closeAndFlush({ timeout: 60_000 });

    const sender = new Analytics({
      writeKey: created.json.key.key,
      host: proxyUrl,
      maxEventsInBatch: 250,
      flushInterval: 20,
      maxRetries: 5,
    });
    sender.on('error', (err) => errors.push(err));
    for (let n = 0; n < TRACKS; n++) {
      const i = n % GROUPS.length;
      sender.track({ userId: `u${i}`, event: 'Report Exported', properties: { n } });
    }
    await sender.closeAndFlush({ timeout: 120_000 });

    expect(errors).toEqual([]);
    expect(lostAnswers).toBeGreaterThan(0);
    const s = await status();
    expect(s.counts.received).toBe(TRACKS + GROUPS.length * 2);
    expect(s.counts.duplicates).toBeGreaterThan(0);
    expect(s.counts.unattributed).toBe(0);

    const rows = await t.rt.db.kysely
      .selectFrom('records')
      .select(['external_id', 'payload_json'])
      .where('workspace_id', '=', t.workspaceId)
      .where('integration', '=', 'event_api')
      .where('stream', '=', 'usage_daily')
      .where('deleted_at', 'is', null)
      .execute();
    const perGroup = new Map<string, number>();
    for (const r of rows) {
      const group = r.external_id.split('|')[0]!;
      perGroup.set(group, (perGroup.get(group) ?? 0) + Number(JSON.parse(r.payload_json).count));
    }
    expect([...perGroup.values()].reduce((a, b) => a + b, 0)).toBe(TRACKS);
    // Call n goes to group n mod 3: 1,667 / 1,667 / 1,666.
    const want = GROUPS.map((_, i) => Math.floor((TRACKS - 1 - i) / GROUPS.length) + 1);
    expect(GROUPS.map((g) => perGroup.get(g))).toEqual(want);
  }, 180_000);
});
