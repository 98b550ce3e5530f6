import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { putConnection } from '../../src/connections/index.js';
import { systemClock } from '../../src/core/clock.js';
import { Keyring } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/logger.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { createRegistry, integrations, type SimulatorStats } from '../../src/integrations/index.js';
import { type PushAccount, type PushRun, type PushServiceDeps, startPush } from '../../src/push/index.js';
import { firstLine, spawnTs } from '../support/processes.js';
import type { BenchSuite } from '../types.js';

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

type Destination = {
  name: string;
  displayName: string;
  limit: { callsPerSecond: number; recordsPerCall: number };
};

/** Every registered destination whose simulator counts its writes and whose limit is published. */
function benchableDestinations(): Destination[] {
  return integrations.flatMap((integration) =>
    integration.destination?.writeLimit && integration.simulator
      ? [
          {
            name: integration.name,
            displayName: integration.displayName,
            limit: integration.destination.writeLimit,
          },
        ]
      : [],
  );
}

/**
 * Push N accounts into a destination's simulator (its own process, enforcing the published write
 * limit), then push again with nothing changed: throughput against the ceiling in records per
 * second, no failed write, and no write call when nothing changed.
 */
function pushSuite({ name, displayName, limit }: Destination): BenchSuite {
  const ceiling = limit.callsPerSecond * limit.recordsPerCall;
  const perCall = limit.recordsPerCall > 1 ? ` in batches of ${limit.recordsPerCall}` : '';
  return {
    name: `push-${name}`,
    description: `push to ${displayName} against its ${limit.callsPerSecond} writes/s limit${perCall}, then a second push with nothing changed`,
    async run(ctx) {
      const count = Math.max(200, Math.round(10_000 * ctx.scale));
      const child = spawnTs('bench/push/destination-process.ts', [name]);
      const sim = await firstLine<{
        connection: { credentials: Record<string, unknown>; settings: Record<string, unknown> };
        statsUrl: string;
      }>(child);
      const stats = async () => (await fetch(sim.statsUrl)).json() as Promise<SimulatorStats>;
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
        await putConnection(deps, { workspaceId, audit: actor }, name, sim.connection);
        const push = async () => (await startPush(deps, workspaceId, name, { trigger: 'bench', actor })).done;
        const before = await stats();

        const cpuBefore = process.cpuUsage();
        const first = await push();
        const cpu = process.cpuUsage(cpuBefore);
        const written = first.counts.created + first.counts.updated;
        const cpuMsPerWrite = (cpu.user + cpu.system) / 1000 / Math.max(1, written);
        const afterFirst = await stats();
        const throughput = written / seconds(first);
        const rateLimited = afterFirst.rateLimited - before.rateLimited;
        const created = afterFirst.companies - before.companies;
        ctx.log(
          `first push ${first.status}: ${written} written in ${seconds(first).toFixed(1)} s = ${throughput.toFixed(1)} records/s; ${rateLimited} answered 429; ${cpuMsPerWrite.toFixed(2)} ms CPU per record in this process`,
        );
        const second = await push();
        const afterSecond = await stats();
        const secondWrites = afterSecond.writes - afterFirst.writes;
        ctx.log(`second push ${second.status}: ${secondWrites} write calls`);
        return [
          {
            metric: `push throughput vs ${ceiling} records/s`,
            value: Math.round((throughput / ceiling) * 1000) / 10,
            unit: '%',
            target: { op: '>=', value: 90 },
            note: `${count.toLocaleString('en-US')} accounts in ${seconds(first).toFixed(1)} s (plan, attributes and records); ${rateLimited} answers 429`,
          },
          {
            metric: 'failed writes',
            value: first.counts.rejected + (first.status === 'succeeded' ? 0 : 1) + Math.abs(created - count),
            unit: '',
            target: { op: '<=', value: 0 },
            note: `rejected ${first.counts.rejected}; ${created} companies created in the simulator`,
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
}

/** One push suite per benchable destination (`push-attio`, …): a new destination needs no bench code. */
export const destinationPushSuites = (): BenchSuite[] => benchableDestinations().map(pushSuite);
