/**
 * One destination's simulator in its own process (its published limits on), so it does not share a
 * CPU thread with the push being measured. argv[2] names the integration. Prints
 * `{"connection","statsUrl"}` on its first line; `GET statsUrl` answers the simulator's counters;
 * exits when stdin closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry, integrations } from '../../src/integrations/index.js';
import { generateDataset } from '../../src/simulators/dataset/index.js';

const name = process.argv[2] ?? '';
const loader = createRegistry(integrations).get(name)?.simulator;
if (!loader) throw new Error(`${name} has no simulator`);
const sim = await (await loader()).startSimulator({
  dataset: generateDataset({ seed: `bench-push-${name}`, companies: 10 }),
});
const stats = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(sim.stats?.() ?? null));
});
await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));
const statsUrl = `http://127.0.0.1:${(stats.address() as AddressInfo).port}/`;
process.stdout.write(`${JSON.stringify({ connection: sim.connection, statsUrl })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
