/**
 * The testkit simulator in its own process, so it does not share a CPU thread with the engine being
 * measured. Options as JSON in argv[2]; prints `{"url","apiKey"}` on its first line; exits when
 * stdin closes.
 */
import { startTestkitSimulator } from '../../test/support/testkit-integration/simulator.js';

const sim = await startTestkitSimulator(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify({ url: sim.url, apiKey: sim.apiKey })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
