import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createRegistry, integrations } from '../../src/integrations/index.js';
import { type PushAccount, type PushRun, type PushServiceDeps, startPush } from '../../src/push/index.js';
import { firstLine, spawnTs } from '../support/processes.js';
import type { BenchSuite } from '../types.js';

/** Attio's published write limit. */
const CEILING = 25;

type Stats = { writes: number; applied: number; rateLimited: number; records: number };

function account(i: number): PushAccount {
  return {
    accountId: `acc_${i}`,
    domain: `bench-${i}.example.com`,
    name: `Bench ${i}`,
    fields: {
      beton_health: (i * 7) % 101,
      beton_expansion: (i * 13) % 101,
      beton_churn_risk: (i * 17) % 101,
      beton_fit: (i * 19) % 101,
      beton_grade: ['M100', 'M75', 'M50', 'M25', 'M10'][i % 5]!,
      beton_top_signals: 'usage_spike, invites_sent',
      beton_scored_at: '2025-05-01T00:00:00.000Z',
    },
  };
}

const seconds = (run: PushRun) =>
  (Date.parse(run.finishedAt ?? run.startedAt) - Date.parse(run.startedAt)) / 1000;

/**
 * Push N accounts into the Attio simulator (its own process, enforcing 25 writes/s with HTTP-date
 * Retry-After), then push again with nothing changed.
 */
export const pushAttio: BenchSuite = {
  name: 'push-attio',
  description: `push to Attio against its ${CEILING} writes/s limit, then a second push with nothing changed`,
  async run(ctx) {
    const count = Math.max(200, Math.round(10_000 * ctx.scale));
    const child = spawnTs('bench/push/attio-process.ts');
    const sim = await firstLine<{ url: string; apiKey: string }>(child);
    const stats = async () => (await fetch(`${sim.url}/__stats`)).json() as Promise<Stats>;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-push-'));
    const db = openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.sqlite') });
    try {
      await migrateToLatest(db.kysely);
      const accounts = Array.from({ length: count }, (_, i) => account(i));
      const deps: PushServiceDeps = {
        db,
        keyring: Keyring.fromSpec(Keyring.generateSpec('b1')),
        logger: createLogger({ level: 'silent' }),
        clock: systemClock,
        config: { BETON_ALLOW_PRIVATE_HOSTS: true },
        integrations: createRegistry(integrations),
        env: {},
        pushSource: {
          async *accounts() {
            for (let i = 0; i < accounts.length; i += 1000) yield accounts.slice(i, i + 1000);
          },
        },
      };
      const workspaceId = 'bench';
      const actor = { actorType: 'system' as const, actorId: null };
      await putConnection(deps, { workspaceId, audit: actor }, 'attio', {
        credentials: { apiKey: sim.apiKey },
        settings: { baseUrl: sim.url },
      });
      const push = async () =>
        (await startPush(deps, workspaceId, 'attio', { trigger: 'bench', actor })).done;

      const cpuBefore = process.cpuUsage();
      const first = await push();
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMsPerWrite =
        (cpu.user + cpu.system) / 1000 / Math.max(1, first.counts.created + first.counts.updated);
      const afterFirst = await stats();
      const throughput = (first.counts.created + first.counts.updated) / seconds(first);
      ctx.log(
        `first push ${first.status}: ${first.counts.created} created in ${seconds(first).toFixed(1)} s = ${throughput.toFixed(1)} writes/s; ${afterFirst.rateLimited} answered 429; ${cpuMsPerWrite.toFixed(2)} ms CPU per write in this process`,
      );
      const second = await push();
      const afterSecond = await stats();
      const secondWrites = afterSecond.writes - afterFirst.writes;
      ctx.log(`second push ${second.status}: ${secondWrites} write calls`);
      return [
        {
          metric: 'push throughput vs 25 writes/s',
          value: Math.round((throughput / CEILING) * 1000) / 10,
          unit: '%',
          target: { op: '>=', value: 90 },
          note: `${count.toLocaleString('en-US')} accounts in ${seconds(first).toFixed(1)} s (plan, 7 attributes and records); ${afterFirst.rateLimited} answers 429`,
        },
        {
          metric: 'failed writes',
          value:
            first.counts.rejected +
            (first.status === 'succeeded' ? 0 : 1) +
            (afterFirst.records === count ? 0 : Math.abs(afterFirst.records - count)),
          unit: '',
          target: { op: '<=', value: 0 },
          note: `rejected ${first.counts.rejected}; ${afterFirst.records} records in the simulator; ${afterFirst.applied} writes applied`,
        },
        {
          metric: 'writes when nothing changed',
          value: secondWrites,
          unit: 'calls',
          target: { op: '<=', value: 0 },
          note: `second push of the same ${count.toLocaleString('en-US')} accounts (${second.status})`,
        },
      ];
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      child.stdin!.end();
    }
  },
};
