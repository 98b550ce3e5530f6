/**
 * The baseline a developer would write by hand: the official `stripe` SDK listing customers and
 * subscriptions in 8 `created` slices read side by side under one token bucket, each page upserted
 * into better-sqlite3 in one transaction. Runs in its own process; options as JSON in argv[2]
 * (`{url, apiKey, file, perSecond}`, perSecond 0: unpaced); prints one JSON line of figures.
 */
import Database from 'better-sqlite3';
import Stripe from 'stripe';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  url: string;
  apiKey: string;
  file: string;
  perSecond: number;
};
const cpuAtStart = process.cpuUsage();
const base = new URL(opts.url);
const stripe = new Stripe(opts.apiKey, {
  host: base.hostname,
  port: Number(base.port),
  protocol: 'http',
  maxNetworkRetries: 0,
});

const db = new Database(opts.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('create table if not exists objects (type text, id text, json text, primary key (type, id))');
const upsert = db.prepare(
  'insert into objects values (?, ?, ?) on conflict (type, id) do update set json = excluded.json',
);
const save = db.transaction((type: string, items: { id: string }[]) => {
  for (const item of items) upsert.run(type, item.id, JSON.stringify(item));
});

// A token bucket: one request every 1000/perSecond ms.
const gap = opts.perSecond > 0 ? 1000 / opts.perSecond : 0;
let nextAt = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function paced<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    if (gap > 0) {
      const now = performance.now();
      const at = Math.max(now, nextAt);
      nextAt = at + gap;
      if (at > now) await sleep(at - now);
    }
    requests += 1;
    try {
      return await call();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 429) throw error;
      limited += 1;
      await sleep(1000);
    }
  }
}

let requests = 0;
let limited = 0;
let records = 0;
const started = performance.now();
const account = await paced(() => stripe.accounts.retrieveCurrent());
const now = Math.floor(Date.now() / 1000);
const from = Math.min(account.created ?? now - 86_400 * 3650, now - 86_400);
const SLICES = 8;

for (const type of ['customers', 'subscriptions'] as const) {
  const extra = type === 'subscriptions' ? { status: 'all' as const } : {};
  await Promise.all(
    Array.from({ length: SLICES }, async (_, k) => {
      const created: { gte?: number; lt?: number } = {};
      if (k > 0) created.gte = Math.floor(from + ((now - from) * k) / SLICES);
      if (k < SLICES - 1) created.lt = Math.floor(from + ((now - from) * (k + 1)) / SLICES);
      let after: string | undefined;
      for (;;) {
        const page = await paced(() =>
          (stripe[type].list as (p: object) => Promise<Stripe.ApiList<{ id: string }>>)({
            limit: 100,
            created,
            ...extra,
            ...(after ? { starting_after: after } : {}),
          }),
        );
        save(type, page.data);
        records += page.data.length;
        if (!page.has_more || page.data.length === 0) return;
        after = page.data[page.data.length - 1]!.id;
      }
    }),
  );
}

const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
db.close();
process.stdout.write(
  `${JSON.stringify({
    records,
    requests,
    limited,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
