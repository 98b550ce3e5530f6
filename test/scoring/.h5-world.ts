import { formatRows, scoreWorld } from './dataset-world.js';

const t0 = Date.now();
const world = await scoreWorld({
  seed: process.argv[2] ?? 'quality',
  companies: Number(process.argv[3] ?? 300),
  now: '2025-06-01T00:00:00.000Z',
});
console.log('took', (Date.now() - t0) / 1000, 's');
console.log('== backtest (history, Stripe outcomes)');
console.log(formatRows(world.backtest));
console.log('== truth (now vs planted futures)');
console.log(formatRows(world.truth));
const past = world.sims.dataset.truth.past;
console.log('planted past', past.length, 'futures', world.sims.dataset.truth.futures.length);
await world.close();
