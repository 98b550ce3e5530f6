import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fixedClock } from '../../src/core/index.js';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { runScore } from '../../src/scoring/index.js';
import { populate } from './detect-score.js';

const file = '/tmp/h5/prof.sqlite';
const NOW = new Date('2025-06-15T06:00:00.000Z');
const fresh = !fs.existsSync(file);
const db = openDatabase({ dialect: 'sqlite', file });
if (fresh) {
  await migrateToLatest(db.kysely);
  populate(file, Number(process.argv[2] ?? 2000), new Date(NOW.getTime() - 3600_000).toISOString()).close();
  await runScore(db.kysely, 'bench', { clock: fixedClock(NOW), trigger: 'bench' });
}
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const day = Number(process.argv[3] ?? 1);
const t0 = performance.now();
const run = await runScore(db.kysely, 'bench', {
  clock: fixedClock(new Date(NOW.getTime() + day * 86400000)),
  trigger: 'bench',
  mode: 'full',
});
console.error('full', Math.round(performance.now() - t0), JSON.stringify(run.counts));
const { profile } = await session.post('Profiler.stop');
fs.writeFileSync('/tmp/h5/full.cpuprofile', JSON.stringify(profile));
await db.close();
