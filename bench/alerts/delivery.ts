import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildDigest,
  createAlertRule,
  enqueueDeliveries,
  registerAlertJobs,
} from '../../src/alerts/index.js';
import { putConnection } from '../../src/connections/index.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createRegistry } from '../../src/integrations/index.js';
import { InProcessJobRunner } from '../../src/jobs/index.js';
import { runScore } from '../../src/scoring/index.js';
import { chatIntegration, startChatServer } from '../../test/alerts/support/chat.js';
import { populate } from '../scoring/detect-score.js';
import type { BenchSuite } from '../types.js';

/**
 * Alerts: (1) 1,000 occurrences a score run opened, queued as alerts over 20 channels and sent by
 * the alerts' jobs (in-process runner) to a chat service over HTTP that answers 429 to a channel
 * posted to faster than its pace: the pace each channel got as a share of the service's pace, and
 * duplicates (must be 0); (2) a digest over 20,000 accounts after that score run, in ms and as a
 * share of the score run measured in the same process.
 */

const WS = 'bench';
const NOW = new Date('2025-06-15T06:00:00.000Z');
const CHANNELS = 20;
/** Per channel per second: what chat services allow (Slack: about one message a second per channel). */
const PACE = 1;

export const alertsBench: BenchSuite = {
  name: 'alerts',
  description: '1,000 alerts over 20 channels at the per-channel pace; a digest over N accounts',
  async run(ctx) {
    const accounts = Math.round(20_000 * ctx.scale);
    const alertsWanted = Math.round(1_000 * Math.max(ctx.scale, 0.2));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-alerts-'));
    const file = path.join(dir, 'bench.sqlite');
    const db = openDatabase({ dialect: 'sqlite', file });
    const server = await startChatServer({ pacePerSecond: PACE });
    const logger = createLogger({ level: 'silent' });
    const runner = new InProcessJobRunner({ logger });
    const results = [];
    try {
      await migrateToLatest(db.kysely);
      populate(file, accounts, new Date(NOW.getTime() - 3_600_000).toISOString());
      let t0 = performance.now();
      await runScore(db.kysely, WS, { clock: fixedClock(NOW), trigger: 'bench' });
      const scoreMs = performance.now() - t0;

      // The reference: reading every account's current score once, as a plain query.
      t0 = performance.now();
      const scores = await db.kysely
        .selectFrom('account_scores')
        .selectAll()
        .where('workspace_id', '=', WS)
        .execute();
      const readMs = performance.now() - t0;
      t0 = performance.now();
      const digest = await buildDigest(db.kysely, WS, {
        start: new Date(NOW.getTime() - 60_000).toISOString(),
        end: new Date(NOW.getTime() + 60_000).toISOString(),
        topChurnRisks: 10,
      });
      const digestMs = performance.now() - t0;
      ctx.log(
        `score run ${scoreMs.toFixed(0)} ms; digest ${digestMs.toFixed(0)} ms (${digest.counts.newAccounts} accounts with new signals, ${digest.counts.newSignals} signals)`,
      );
      results.push(
        {
          metric: `digest over ${accounts} accounts`,
          value: Math.round(digestMs),
          unit: 'ms',
          target: { op: '<=' as const, value: 2000 },
        },
        {
          metric: 'digest / reading every score once',
          value: Number((digestMs / readMs).toFixed(2)),
          unit: 'ratio',
          note: `${scores.length} score rows read in ${readMs.toFixed(0)} ms; same database, same process`,
        },
      );

      // 1,000 of the occurrences the run opened, as alerts over 20 channels.
      const deps = {
        db,
        keyring: Keyring.fromSpec(Keyring.generateSpec('alertbench')),
        logger,
        clock: systemClock,
        config: { BETON_ALLOW_PRIVATE_HOSTS: true },
        integrations: createRegistry([chatIntegration(PACE)]),
        env: {},
      };
      await putConnection(deps, { workspaceId: WS, audit: { actorType: 'cli', actorId: null } }, 'chat', {
        credentials: { token: 'chat-token' },
        settings: { baseUrl: server.url },
      });
      const occurrences = await db.kysely
        .selectFrom('signal_occurrences')
        .select(['id', 'account_id', 'signal_key'])
        .where('workspace_id', '=', WS)
        .where('open', '=', 1)
        .orderBy('id')
        .limit(alertsWanted)
        .execute();
      const rules: { id: string }[] = [];
      for (let c = 0; c < CHANNELS; c++)
        rules.push(
          await createAlertRule(
            db.kysely,
            WS,
            { name: `channel ${c}`, destination: { kind: 'channel', channelId: `C${c}` } },
            null,
            NOW.toISOString(),
          ),
        );
      const at = new Date().toISOString();
      await db.kysely
        .insertInto('alerts')
        .values(
          occurrences.map((o, i) => ({
            id: `alt_bench_${i}`,
            workspace_id: WS,
            rule_id: rules[i % CHANNELS]!.id,
            occurrence_id: Number(o.id),
            opening_event_id: i,
            account_id: o.account_id,
            signal_key: o.signal_key,
            status: 'queued',
            target_json: `channel:C${i % CHANNELS}`,
            attempts: 0,
            created_at: at,
            updated_at: at,
          })),
        )
        .execute();
      registerAlertJobs(runner, deps);
      await runner.start();
      t0 = performance.now();
      await enqueueDeliveries(runner, new Map([[WS, new Set(rules.map((_, c) => `channel:C${c}`))]]));
      const deadline = Date.now() + 10 * 60_000;
      while (server.posts.length < occurrences.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      const deliverMs = performance.now() - t0;

      const refs = server.posts.map((p) => p.alertRef);
      const duplicates = refs.length - new Set(refs).size;
      // Each channel's pace: its posts after the first over the time they took.
      const shares = [];
      for (let c = 0; c < CHANNELS; c++) {
        const times = server.posts.filter((p) => p.channel === `C${c}`).map((p) => p.at);
        if (times.length < 2) continue;
        const perSecond = ((times.length - 1) * 1000) / (times[times.length - 1]! - times[0]!);
        shares.push(perSecond / PACE);
      }
      const worst = Math.min(...shares);
      ctx.log(
        `${server.posts.length}/${occurrences.length} delivered in ${deliverMs.toFixed(0)} ms over ${CHANNELS} channels; 429s ${server.limited}; worst channel at ${(worst * 100).toFixed(1)} % of pace`,
      );
      results.push(
        {
          metric: 'alerts delivered',
          value: server.posts.length,
          unit: 'alerts',
          target: { op: '>=' as const, value: occurrences.length },
        },
        {
          metric: 'duplicate alerts',
          value: duplicates,
          unit: 'alerts',
          target: { op: '<=' as const, value: 0 },
        },
        {
          metric: 'slowest channel / its pace',
          value: Number(worst.toFixed(3)),
          unit: 'ratio',
          target: { op: '>=' as const, value: 0.9 },
          note: `${PACE}/s per channel; the service answers 429 to faster posts`,
        },
      );
    } finally {
      await runner.stop({ graceMs: 5_000 });
      await server.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    return results;
  },
};
