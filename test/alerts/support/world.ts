import type { Kysely } from 'kysely';
import type { DB } from '../../../src/db/index.js';
import { RecordWriter } from '../../accounts/records.js';

/**
 * Accounts whose records make signals open on the next score run: even ones scheduled to cancel
 * with usage falling away (churn signals), odd ones with usage tripled this week (expansion).
 */
export const NOW = new Date('2025-06-15T12:00:00.000Z');
const DAY_MS = 86_400_000;
const day = (ago: number) => new Date(NOW.getTime() - ago * DAY_MS).toISOString().slice(0, 10);
const at = (ago: number) => new Date(NOW.getTime() - ago * DAY_MS).toISOString();

export async function seedSignalWorld(db: Kysely<DB>, ws: string, count: number, prefix = 'co') {
  const w = new RecordWriter(db, ws, at(0));
  await w.groupType(0, 'company');
  await w.price('price_pro', 'pro', 4000, 'month');
  for (let i = 0; i < count; i++) {
    const domain = `${prefix}${i}.io`;
    await w.group(domain, `Company ${i}`, at(300));
    await w.person(`${domain}_0`, { email: `p0@${domain}`, title: 'Engineer' }, at(200));
    await w.customer(`cus_${prefix}${i}`, `billing@${domain}`, `Company ${i}`, at(250), domain);
    await w.subscription(`sub_${prefix}${i}`, `cus_${prefix}${i}`, 'price_pro', 5, at(250), {
      cancel_at_period_end: i % 2 === 0,
      current_period_end: Math.floor(Date.parse(at(-9)) / 1000),
    });
    for (let d = 8; d < 60; d++) await w.usage(domain, day(d), 'feature_used', 30);
    for (let d = 1; d < 8; d++) await w.usage(domain, day(d), 'feature_used', i % 2 === 0 ? 3 : 90);
  }
}
