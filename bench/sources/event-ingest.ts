import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ingestRootRoutes } from '../../src/api/routes/ingest.js';
import { type ConnectionDeps, putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createIngestKey } from '../../src/ingest/index.js';
import eventApi from '../../src/integrations/event_api/index.js';
import { createRegistry } from '../../src/integrations/index.js';
import type { Runtime } from '../../src/runtime/index.js';
import type { BenchSuite } from '../types.js';

/**
 * Issue 18: the event endpoint on SQLite over real HTTP. Eight senders post batches of 100 track
 * calls shaped as `@segment/analytics-node` sends them (5% of the batches are sent twice, as a
 * retry); the suite reports events/s and the p99 acknowledgement latency, then checks that the
 * daily usage the endpoint stored equals a direct aggregation of the calls it generated.
 */
const EVENTS = 200_000;
const BATCH = 100;
const SENDERS = Number(process.env.BENCH_EVENT_SENDERS ?? 8);
const ACCOUNTS = 500;
/** The issue's sustained rate, at which the acknowledgement latency is measured. */
const TARGET_RATE = 5000;
const DAYS = 30;
const EVENT_NAMES = ['login', 'report_exported', 'invite_sent', 'dashboard_viewed', 'api_call'];

export const eventIngest: BenchSuite = {
  name: 'event-ingest',
  description: `Segment-compatible event endpoint on SQLite: ${EVENTS.toLocaleString('en-US')} track calls in batches of ${BATCH}, ${SENDERS} senders`,
  async run({ scale, log }) {
    const total = Math.max(BATCH * SENDERS, Math.round(EVENTS * scale));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-events-'));
    const db = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.sqlite') });
    await migrateToLatest(db.kysely);
    const deps: ConnectionDeps = {
      db,
      keyring: Keyring.fromSpec(Keyring.generateSpec('b1')),
      logger: createLogger({ level: 'silent' }),
      clock: systemClock,
      config: { BETON_ALLOW_PRIVATE_HOSTS: false },
      integrations: createRegistry([eventApi]),
      env: {},
    };
    const actor = { workspaceId: 'bench', audit: { actorType: 'system' as const, actorId: null } };
    await putConnection(deps, actor, 'event_api', {});
    const { key } = await createIngestKey(deps, actor, 'event_api');
    const app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorate('runtime', deps as unknown as Runtime);
    await app.register(ingestRootRoutes);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/batch`;
    const authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

    try {
      // The calls and their direct aggregation, made up front so the timing is the endpoint's.
      const now = Date.now();
      const expected = new Map<string, number>();
      const bodies: string[] = [];
      // mulberry32: a seeded generator, so every run sends the same calls.
      let seed = 7;
      const rand = (n: number) => {
        seed = (seed + 0x6d2b79f5) | 0;
        let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
        x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
        return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4_294_967_296) * n);
      };
      for (let b = 0; b < total / BATCH; b++) {
        const batch = [];
        for (let i = 0; i < BATCH; i++) {
          const account = `acct-${rand(ACCOUNTS)}.example`;
          const event = EVENT_NAMES[rand(EVENT_NAMES.length)]!;
          const timestamp = new Date(now - rand(DAYS) * 86_400_000 - rand(86_400) * 1000).toISOString();
          const id = `${account}|${timestamp.slice(0, 10)}|${event}`;
          expected.set(id, (expected.get(id) ?? 0) + 1);
          batch.push({
            type: 'track',
            messageId: `bench-${b}-${i}`,
            userId: `user-${rand(5000)}`,
            event,
            timestamp,
            properties: { plan: 'pro', seats: rand(50) },
            context: { groupId: account, library: { name: '@segment/analytics-node', version: '2.1.0' } },
            _metadata: { jsRuntime: 'node' },
          });
        }
        bodies.push(JSON.stringify({ batch, sentAt: new Date(now).toISOString() }));
      }
      // Half the batches as fast as the senders can (throughput), half paced at the target rate of
      // 5,000 events/s (acknowledgement latency under that load, not behind a saturated queue).
      const half = Math.floor(bodies.length / 2);
      const send = async (body: string) => {
        const t0 = process.hrtime.bigint();
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body,
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`the endpoint answered ${res.status}`);
        return Number(process.hrtime.bigint() - t0) / 1e6;
      };
      const queue = bodies.slice(0, half).flatMap((body, i) => (i % 20 === 0 ? [body, body] : [body]));
      let next = 0;
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          while (next < queue.length) await send(queue[next++]!);
        }),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const saturated = (half * BATCH) / seconds;

      const paced = bodies.slice(half);
      const intervalMs = (BATCH / TARGET_RATE) * 1000;
      const pacedStart = Date.now();
      const latencies = await Promise.all(
        paced.map(async (body, i) => {
          const wait = pacedStart + i * intervalMs - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          return send(body);
        }),
      );
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!;
      log(
        `${half * BATCH} events as fast as possible (${queue.length} requests, ${queue.length - half} retries) in ${seconds.toFixed(1)} s; ${paced.length * BATCH} paced at ${TARGET_RATE}/s`,
      );

      // What the endpoint stored, against the direct aggregation of the calls.
      const rows = await db.kysely
        .selectFrom('records')
        .select(['external_id', 'payload_json'])
        .where('workspace_id', '=', 'bench')
        .where('integration', '=', 'event_api')
        .where('stream', '=', 'usage_daily')
        .execute();
      let mismatches = Math.abs(rows.length - expected.size);
      for (const r of rows) {
        if (Number(JSON.parse(r.payload_json).count) !== expected.get(r.external_id)) mismatches++;
      }
      return [
        {
          metric: 'event ingest into SQLite',
          value: Math.round(saturated),
          unit: 'events/s',
          target: { op: '>=', value: 5000 },
          note: `${(half * BATCH).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} track calls (not 1,000,000: keeps the bench short), as fast as ${SENDERS} senders post batches of ${BATCH} over HTTP, every 20th batch retried`,
        },
        {
          metric: 'event ingest p99 acknowledgement',
          value: Math.round(p99 * 10) / 10,
          unit: 'ms',
          target: { op: '<=', value: 50 },
          note: `the other half paced at ${TARGET_RATE.toLocaleString('en-US')} events/s in batches of ${BATCH}; each written in one transaction before the 200`,
        },
        {
          metric: 'usage days differing from a direct aggregation',
          value: mismatches,
          unit: 'days',
          target: { op: '<=', value: 0 },
          note: `${expected.size.toLocaleString('en-US')} (account, day, event) counts compared`,
        },
      ];
    } finally {
      await app.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
