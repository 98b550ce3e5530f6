/**
 * The Attio simulator in its own process (Attio's limits on: 100 reads/s, 25 writes/s), so it does
 * not share a CPU thread with the push being measured. Prints `{"url","apiKey"}` on its first line;
 * `GET /__stats` answers its counters; exits when stdin closes.
 */
import { createAttioSimulator, DEFAULT_ATTIO_TOKEN } from '../../src/integrations/attio/simulator/index.js';

const sim = createAttioSimulator();
sim.app.get('/__stats', async () => ({
  writes: sim.counters.writes,
  applied: sim.applied.writes,
  rateLimited: sim.counters.rateLimited,
  records: sim.store.countRecords('companies'),
}));
const url = await sim.listen();
process.stdout.write(`${JSON.stringify({ url, apiKey: DEFAULT_ATTIO_TOKEN })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
