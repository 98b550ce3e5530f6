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
import { firstLine, spawnTs } from '../support/processes.js';
import type { BenchSuite } from '../types.js';
import { eventCalls } from './event-calls.js';

/**
 * Issue 18: the event endpoint on SQLite over real HTTP. Eight senders, in a process of their own,
 * post batches of 100 track calls shaped as `@segment/analytics-node` sends them (5% of the batches
 * are sent twice, as a retry); the suite reports events/s and the p99 acknowledgement latency, then
 * checks that the daily usage the endpoint stored equals a direct aggregation of the calls sent.
 */
const EVENTS = 1_000_000;
const BATCH = 100;
const SENDERS = Number(process.env.BENCH_EVENT_SENDERS ?? 8);
const ACCOUNTS = 500;
/** The issue's sustained rate, at which the acknowledgement latency is measured. */
const TARGET_RATE = 5000;
const DAYS = 30;

/** What the sender process reports (bench/sources/event-senders-process.ts). */
interface SendersReport {
  saturated: { events: number; requests: number; retries: number; seconds: number; baselineSeconds: number };
  paced: { events: number; seconds: number; p50: number; p99: number };
}

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
    // The floor: the same body parsed by the same server, nothing checked or written.
    app.post('/baseline/batch', { bodyLimit: 1024 * 1024 }, async () => ({ success: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const url = `${origin}/v1/batch`;
    const authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

    try {
      // The senders run in their own process (the server's loop and CPU are the endpoint's alone);
      // this side rebuilds the same seeded calls only to aggregate them directly afterwards.
      const spec = { total, batch: BATCH, accounts: ACCOUNTS, days: DAYS, now: Date.now() };
      const senders = spawnTs('bench/sources/event-senders-process.ts', [
        JSON.stringify({
          ...spec,
          url,
          baselineUrl: `${origin}/baseline/batch`,
          authorization,
          senders: SENDERS,
          targetRate: TARGET_RATE,
        }),
      ]);
      senders.stdin!.end();
      const report = await firstLine<SendersReport>(senders);
      const { expected } = eventCalls(spec);
      const { saturated: sat, paced } = report;
      const saturated = sat.events / sat.seconds;
      const floor = sat.events / sat.baselineSeconds;
      const p99 = paced.p99;
      log(
        `${sat.events} events as fast as possible (${sat.requests} requests, ${sat.retries} retries) in ${sat.seconds.toFixed(1)} s from a sender process; ${paced.events} paced at ${TARGET_RATE}/s: p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms`,
      );
      const half = sat.events / BATCH;

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
          note: `${(half * BATCH).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} track calls, as fast as ${SENDERS} senders in another process post batches of ${BATCH} over HTTP, every 20th batch retried`,
        },
        {
          metric: 'event ingest / bare HTTP+JSON floor',
          value: Math.round((saturated / floor) * 100) / 100,
          unit: '×',
          note: `the same requests, same senders, same server, to a route that only parses the body: ${Math.round(floor).toLocaleString('en-US')} events/s on this machine now (1 would mean ingest costs nothing beyond HTTP and JSON)`,
        },
        {
          metric: 'event ingest p99 acknowledgement',
          value: Math.round(p99 * 10) / 10,
          unit: 'ms',
          target: { op: '<=', value: 50 },
          note: `the other half paced at ${TARGET_RATE.toLocaleString('en-US')} events/s in batches of ${BATCH} from the sender process (p50 ${paced.p50.toFixed(1)} ms); each written in one transaction before the 200`,
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
