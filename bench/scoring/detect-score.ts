import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { fixedClock } from '../../src/core/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { clearHistoryCache, runScore } from '../../src/scoring/index.js';
import type { BenchSuite } from '../types.js';

/**
 * Detect and score N accounts over 180 days of daily usage (one usage row per account and day:
 * 20,000 accounts → 3.6 M rows), against one full aggregate scan of that table in the same run;
 * then re-score after a sync that touched 1 % of the accounts, against the full run.
 *
 * The records are written straight into `records` shaped per docs/data-model.md (what a sync
 * stores), then the first score run ingests them, replays the history and builds the backtest;
 * that first run is reported but not the target: the targets are a steady-state full run (the
 * daily one) and an incremental run.
 */

const WS = 'bench';
const DAYS = 180;
const NOW = new Date('2025-06-15T06:00:00.000Z');
const DAY_MS = 86_400_000;
const EVENTS = ['feature_used', '$pageview', 'report_created', 'feature_used', '$pageview'];
const TITLES = [
  'Software Engineer',
  'Product Manager',
  'Director of Sales',
  'VP Marketing',
  'Account Executive',
  'Data Analyst',
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const dayIso = (d: number) => new Date(NOW.getTime() - d * DAY_MS).toISOString().slice(0, 10);
const unix = (ms: number) => Math.floor(ms / 1000);

interface Writer {
  put(integration: string, stream: string, id: string, payload: unknown, at: string): void;
}

/** One account's records: a group, people, maybe a paid subscription with invoices, 180 days of usage. */
function writeAccount(w: Writer, i: number, at: string) {
  const domain = `co${i}.example`;
  const signup = NOW.getTime() - (200 + (i % 300)) * DAY_MS;
  w.put(
    'posthog',
    'groups',
    `0:${domain}`,
    {
      group_type_index: 0,
      group_key: domain,
      group_properties: { name: `Company ${i}`, domain },
      created_at: new Date(signup).toISOString(),
    },
    at,
  );
  const people = 3 + (i % 6);
  for (let p = 0; p < people; p++) {
    const created = p === people - 1 && i % 9 === 0 ? NOW.getTime() - 5 * DAY_MS : signup + p * 3 * DAY_MS;
    w.put(
      'posthog',
      'persons',
      `${i}-${p}`,
      {
        id: `${i}-${p}`,
        distinct_ids: [`${i}-${p}`],
        properties: { email: `p${p}@${domain}`, name: `Person ${p}`, title: TITLES[(i + p) % TITLES.length] },
        created_at: new Date(created).toISOString(),
        last_seen_at: at,
      },
      at,
    );
  }
  if (i % 2 === 0) {
    const seats = 5 + (i % 6);
    const start = signup + 10 * DAY_MS;
    w.put(
      'stripe',
      'customers',
      `cus_${i}`,
      {
        id: `cus_${i}`,
        email: `billing@${domain}`,
        name: `Company ${i}`,
        created: unix(start),
        metadata: { domain },
      },
      at,
    );
    const cancelling = i % 40 === 0;
    w.put(
      'stripe',
      'subscriptions',
      `sub_${i}`,
      {
        id: `sub_${i}`,
        customer: `cus_${i}`,
        status: 'active',
        created: unix(start),
        start_date: unix(start),
        cancel_at_period_end: cancelling,
        canceled_at: cancelling ? unix(NOW.getTime() - 3 * DAY_MS) : null,
        current_period_end: unix(NOW.getTime() + 12 * DAY_MS),
        items: { data: [{ id: `si_${i}`, price: { id: 'price_pro' }, quantity: seats }] },
      },
      at,
    );
    for (let m = 6; m >= 1; m--) {
      const created = NOW.getTime() - m * 30 * DAY_MS;
      const q = m <= 2 && i % 8 === 0 ? seats : Math.max(1, seats - (i % 8 === 0 ? 2 : 0));
      w.put(
        'stripe',
        'invoices',
        `in_${i}_${m}`,
        {
          id: `in_${i}_${m}`,
          customer: `cus_${i}`,
          subscription: `sub_${i}`,
          status: 'paid',
          amount_paid: 4000 * q,
          total: 4000 * q,
          currency: 'usd',
          created: unix(created),
          lines: {
            data: [{ amount: 4000 * q, quantity: q, subscription: `sub_${i}`, price: { id: 'price_pro' } }],
          },
        },
        at,
      );
    }
  }
  for (let d = DAYS; d >= 1; d--) {
    let event = EVENTS[(i + d) % EVENTS.length]!;
    let count = 10 + ((i * 7 + d) % 20);
    if (i % 10 === 1 && d <= 7) count *= 3; // spike
    if (i % 10 === 2 && d <= 9) count = Math.max(1, Math.round(count / 6)); // drop
    if (i % 10 === 3 && d === 3) event = 'usage_limit_warning';
    if (i % 10 === 4 && (d === 2 || d === 5)) event = '$pageview:/pricing';
    if (i % 10 === 5 && d === 4) event = 'user_invited';
    const day = dayIso(d);
    w.put(
      'posthog',
      'usage_daily',
      `${domain}|${day}|${event}`,
      { group_key: domain, day, event, count, persons: 1 + (count % 4) },
      at,
    );
  }
}

export function populate(file: string, accounts: number, at: string) {
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  const insert = raw.prepare(
    `INSERT INTO records (workspace_id, connection_id, integration, stream, external_id, payload_json, payload_hash,
      first_seen_at, synced_at, changed_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
     ON CONFLICT (workspace_id, integration, stream, external_id) DO UPDATE SET payload_json = excluded.payload_json,
      payload_hash = excluded.payload_hash, synced_at = excluded.synced_at, changed_at = excluded.changed_at`,
  );
  const w: Writer = {
    put(integration, stream, id, payload, when) {
      const json = JSON.stringify(payload);
      insert.run(
        WS,
        `conn_${integration}`,
        integration,
        stream,
        id,
        json,
        createHash('sha1').update(json).digest('hex'),
        when,
        when,
        when,
      );
    },
  };
  raw.transaction(() => {
    w.put(
      'posthog',
      'group_types',
      '0',
      { group_type: 'company', group_type_index: 0, name_singular: 'company' },
      at,
    );
    w.put(
      'stripe',
      'prices',
      'price_pro',
      {
        id: 'price_pro',
        unit_amount: 4000,
        currency: 'usd',
        recurring: { interval: 'month', interval_count: 1 },
        metadata: { plan: 'pro' },
      },
      at,
    );
  })();
  for (let start = 0; start < accounts; start += 500) {
    raw.transaction(() => {
      for (let i = start; i < Math.min(accounts, start + 500); i++) writeAccount(w, i, at);
    })();
  }
  return {
    /** A later sync: yesterday's usage of every `step`-th account changed (`salt` varies the count). */
    touch(step: number, when: string, salt = 1) {
      raw.transaction(() => {
        for (let i = 0; i < accounts; i += step) {
          const domain = `co${i}.example`;
          const day = dayIso(1);
          const event = EVENTS[(i + 1) % EVENTS.length]!;
          w.put(
            'posthog',
            'usage_daily',
            `${domain}|${day}|${event}`,
            { group_key: domain, day, event, count: 76 + salt, persons: 3 },
            when,
          );
        }
      })();
    },
    close: () => raw.close(),
  };
}

/**
 * The first run's baseline: a bare batched insert of the same usage rows (one per account, event
 * and day) into a keyed SQLite table, with one prepared statement and a transaction per 500
 * accounts — what the rows cost to store with nothing derived. Returns the seconds it took.
 */
export function bareUsageInsert(file: string, accounts: number, at: string): number {
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.exec(`create table usage_rows (workspace_id text not null, account_id text not null, event text not null,
    day integer not null, count integer not null, persons integer not null,
    primary key (workspace_id, account_id, event, day))`);
  const insert = raw.prepare('insert into usage_rows values (?, ?, ?, ?, ?, ?)');
  const w: Writer = {
    put(_integration, stream, _id, payload) {
      if (stream !== 'usage_daily') return;
      const u = payload as { group_key: string; day: string; event: string; count: number; persons: number };
      insert.run(WS, u.group_key, u.event, Math.floor(Date.parse(u.day) / DAY_MS), u.count, u.persons);
    },
  };
  const t0 = performance.now();
  for (let start = 0; start < accounts; start += 500) {
    raw.transaction(() => {
      for (let i = start; i < Math.min(accounts, start + 500); i++) writeAccount(w, i, at);
    })();
  }
  const seconds = (performance.now() - t0) / 1000;
  raw.close();
  return seconds;
}

export const scoringDetectScore: BenchSuite = {
  name: 'scoring',
  description:
    'detect + score N accounts over 180 days of daily usage vs one aggregate scan; re-score after 1 % touched',
  async run(ctx) {
    const accounts = Math.round(20_000 * ctx.scale);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-bench-scoring-'));
    const file = path.join(dir, 'bench.sqlite');
    const db = openDatabase({ dialect: 'sqlite', file });
    try {
      await migrateToLatest(db.kysely);
      let t0 = performance.now();
      const source = populate(file, accounts, new Date(NOW.getTime() - 3_600_000).toISOString());
      ctx.log(`wrote records for ${accounts} accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

      const bareSeconds = bareUsageInsert(
        path.join(dir, 'bare.sqlite'),
        accounts,
        new Date(NOW.getTime() - 3_600_000).toISOString(),
      );
      ctx.log(`bare insert of the usage rows: ${bareSeconds.toFixed(1)} s`);

      t0 = performance.now();
      const first = await runScore(db.kysely, WS, { clock: fixedClock(NOW), trigger: 'bench' });
      const firstSeconds = (performance.now() - t0) / 1000;
      ctx.log(`first run ${firstSeconds.toFixed(1)} s: ${JSON.stringify(first.counts.timingsMs)}`);
      const rows = await db.kysely
        .selectFrom('usage_daily')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();

      // The reference: one full aggregate scan of the usage table.
      const scans: number[] = [];
      for (let k = 0; k < 3; k++) {
        const s = performance.now();
        await sql`select account_id, sum(count) from usage_daily where workspace_id = ${WS} group by account_id`.execute(
          db.kysely,
        );
        scans.push(performance.now() - s);
      }
      const scanMs = median(scans);

      // The daily full run: on each of the next days, every account detected and scored again.
      const fulls: { total: number; detect: number; backtest: number }[] = [];
      for (let day = 1; day <= 3; day++) {
        const at = new Date(NOW.getTime() + day * DAY_MS);
        t0 = performance.now();
        const full = await runScore(db.kysely, WS, { clock: fixedClock(at), trigger: 'bench', mode: 'full' });
        const timings = full.counts.timingsMs ?? {};
        fulls.push({
          total: performance.now() - t0,
          detect: (timings.ingest ?? 0) + (timings.detect ?? 0),
          backtest: timings.backtest ?? 0,
        });
        ctx.log(`full run day ${day}: ${Math.round(fulls.at(-1)!.total)} ms ${JSON.stringify(timings)}`);
      }
      const fullMs = median(fulls.map((f) => f.total));
      const detectMs = median(fulls.map((f) => f.detect));
      ctx.log(`scans ${scans.map(Math.round).join(', ')} ms`);

      // The same full run in a process that has parsed no history yet (a restarted worker): the
      // runs above reuse the histories parsed by the first run.
      const lastDay = NOW.getTime() + 3 * DAY_MS;
      clearHistoryCache();
      t0 = performance.now();
      const cold = await runScore(db.kysely, WS, {
        clock: fixedClock(new Date(lastDay + 1_800_000)),
        trigger: 'bench',
        mode: 'full',
      });
      const coldMs = performance.now() - t0;
      const coldTimings = cold.counts.timingsMs ?? {};
      const coldDetectMs = (coldTimings.ingest ?? 0) + (coldTimings.detect ?? 0);
      ctx.log(`full run, cold history cache: ${Math.round(coldMs)} ms ${JSON.stringify(coldTimings)}`);

      // Syncs that touch 1 % of the accounts, each followed by a run (later the same day: incremental).
      const step = 100;
      const incrementals: number[] = [];
      for (let k = 1; k <= 3; k++) {
        source.touch(step, new Date(lastDay + k * 3_600_000).toISOString(), k);
        t0 = performance.now();
        const run = await runScore(db.kysely, WS, {
          clock: fixedClock(new Date(lastDay + k * 3_600_000 + 60_000)),
          trigger: 'bench',
        });
        incrementals.push(performance.now() - t0);
        ctx.log(
          `incremental run ${Math.round(incrementals.at(-1)!)} ms (${run.mode}, ${run.counts.accountsScored} accounts): ${JSON.stringify(run.counts.timingsMs)}`,
        );
        if (run.mode !== 'incremental' || run.counts.accountsScored !== Math.ceil(accounts / step)) {
          throw new Error(
            `expected an incremental run over ${Math.ceil(accounts / step)} accounts, got ${run.mode} over ${run.counts.accountsScored}`,
          );
        }
      }
      source.close();
      const incrementalMs = median(incrementals);
      const n = Number(rows.n).toLocaleString('en-US');
      return [
        {
          metric: 'detect + score vs one aggregate scan',
          value: Math.round((detectMs / scanMs) * 100) / 100,
          unit: '×',
          target: { op: '<=', value: 3 },
          note: `${accounts.toLocaleString('en-US')} accounts, ${n} usage rows; medians: detect+score ${detectMs.toFixed(0)} ms of a ${fullMs.toFixed(0)} ms run, scan ${scanMs.toFixed(0)} ms`,
        },
        {
          metric: 'detect + score, cold process, vs one aggregate scan',
          value: Math.round((coldDetectMs / scanMs) * 100) / 100,
          unit: '×',
          note: `one full run after clearing the parsed-history cache (every history read and parsed): detect+score ${coldDetectMs.toFixed(0)} ms of a ${coldMs.toFixed(0)} ms run; the targeted figure above is a long-lived worker's`,
        },
        {
          metric: 're-score after 1 % touched vs full run',
          value: Math.round((incrementalMs / fullMs) * 1000) / 10,
          unit: '%',
          target: { op: '<=', value: 5 },
          note: `whole runs, medians of 3: incremental ${incrementalMs.toFixed(0)} ms (ingest, detect, score, backtest) vs full ${fullMs.toFixed(0)} ms`,
        },
        {
          metric: 'first run (synced → scored with backtest) vs bare insert of the usage rows',
          value: Math.round((firstSeconds / bareSeconds) * 100) / 100,
          unit: '×',
          target: { op: '<=', value: 1.5 },
          note: `first run ${firstSeconds.toFixed(1)} s (resolves ${n} usage records, replays 26 weeks, backtest: ${JSON.stringify(first.counts.timingsMs)}) vs a bare batched insert of the same rows ${bareSeconds.toFixed(1)} s`,
        },
      ];
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
