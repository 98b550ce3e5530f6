import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dayNumber, loadWindowedUsage, parseHistory, WindowedUsage } from '../../src/accounts/index.js';
import { openDatabase } from '../../src/db/index.js';
import { DEFAULT_SCORING, ENGAGEMENT_WINDOWS, engagementOf, scoreAccount } from '../../src/scoring/index.js';
import { detectNow, loadSignals, usageWindowsOf } from '../../src/signals/index.js';

const db = openDatabase({ dialect: 'sqlite', file: '/tmp/h5/prof.sqlite' });
const now = new Date('2025-06-16T06:00:00.000Z');
const signals = await loadSignals(db.kysely, 'bench');
const windows = usageWindowsOf(signals, ENGAGEMENT_WINDOWS);
console.error('windows', windows);
const rows = await db.kysely
  .selectFrom('accounts')
  .select(['id', 'domain', 'history_json'])
  .where('workspace_id', '=', 'bench')
  .execute();
let t = performance.now();
const accounts = rows.map((r) => ({ id: r.id, domain: r.domain, history: parseHistory(r.history_json) }));
console.error('parse', Math.round(performance.now() - t));
t = performance.now();
const usage = await loadWindowedUsage(db.kysely, 'bench', null, dayNumber(now) - 1, windows);
console.error('usage', Math.round(performance.now() - t));
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
for (let k = 0; k < 3; k++) {
  t = performance.now();
  let n = 0;
  const facts = [];
  for (const a of accounts) {
    const r = detectNow(
      {
        accountId: a.id,
        domain: a.domain,
        history: a.history,
        usage: usage.get(a.id) ?? new WindowedUsage(0, windows, []),
        healthHistory: [],
      },
      signals,
      now,
    );
    n += r.detections.length;
    facts.push(r.facts);
  }
  const d = performance.now() - t;
  t = performance.now();
  for (const f of facts)
    scoreAccount(
      { now, signals: [], engagement: engagementOf(f.usage, f.persons.length), firmographics: null },
      DEFAULT_SCORING,
    );
  console.error('detect', Math.round(d), 'score', Math.round(performance.now() - t), n);
}
const { profile } = await session.post('Profiler.stop');
fs.writeFileSync('/tmp/h5/micro.cpuprofile', JSON.stringify(profile));
await db.close();
