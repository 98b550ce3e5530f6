import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ingestUsage } from '../../src/accounts/index.js';
import { openDatabase } from '../../src/db/index.js';

const file = '/tmp/h5/ingest.sqlite';
const db = openDatabase({ dialect: 'sqlite', file });
await db.kysely.deleteFrom('usage_daily').execute();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const t = performance.now();
const u = await ingestUsage(db.kysely, 'bench', { since: null, now: '2025-06-15T06:00:00.000Z' });
console.log('usage', Math.round(performance.now() - t), u.rows);
const { profile } = await session.post('Profiler.stop');
fs.writeFileSync('/tmp/h5/ingest.cpuprofile', JSON.stringify(profile));
await db.close();
