/**
 * The event-ingest bench's senders, in a process of their own so the server's event loop and CPU
 * time are the endpoint's alone (senders in the server process would share its loop and inflate
 * both the throughput's cost and the acknowledgement latency). Half the batches go as fast as the
 * senders can (throughput; every 20th sent twice, as a retry), half paced at the target rate
 * (acknowledgement latency under that load, not behind a saturated queue). Prints one JSON line.
 */
import http from 'node:http';
import { type EventCallsSpec, eventCalls } from './event-calls.js';

interface SendersInput extends EventCallsSpec {
  url: string;
  /** A route of the same server that only parses the body and answers 200: the floor of HTTP + JSON. */
  baselineUrl: string;
  authorization: string;
  senders: number;
  targetRate: number;
}

const input = JSON.parse(process.argv[2]!) as SendersInput;
const { bodies } = eventCalls(input);

// Kept-alive sockets, as an analytics library holds them; at most 64 at once, so a stalled server
// queues requests here (counted in their latency) instead of meeting a storm of new connections.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** Post one batch; answers the milliseconds until the acknowledgement was read. */
const send = (body: string, phase: string, url = input.url) =>
  new Promise<number>((resolve, reject) => {
    const target = new URL(url);
    const t0 = process.hrtime.bigint();
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          authorization: input.authorization,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${phase}: the endpoint answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
      },
    );
    req.on('error', (error) => reject(new Error(`${phase}: ${error.message}`)));
    req.end(body);
  });

const half = Math.floor(bodies.length / 2);
const queue = bodies.slice(0, half).flatMap((body, i) => (i % 20 === 0 ? [body, body] : [body]));
/** Post every body as fast as the senders can; answers the seconds it took. */
async function flood(bodies: string[], phase: string, url?: string): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: input.senders }, async () => {
      while (next < bodies.length) await send(bodies[next++]!, phase, url);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

// The floor first, on the same machine in the same minute: the same requests to a route that only
// parses them, so the ingest's figure can be read against what HTTP and JSON alone cost here.
const baselineSeconds = await flood(queue, 'baseline', input.baselineUrl);
const seconds = await flood(queue, 'as fast as possible');

const paced = bodies.slice(half);
const intervalMs = (input.batch / input.targetRate) * 1000;
const pacedStart = Date.now();
const latencies = await Promise.all(
  paced.map(async (body, i) => {
    const wait = pacedStart + i * intervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return send(body, 'paced');
  }),
);
const pacedSeconds = (Date.now() - pacedStart) / 1000;
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))]!;

process.stdout.write(
  `${JSON.stringify({
    saturated: {
      events: half * input.batch,
      requests: queue.length,
      retries: queue.length - half,
      seconds,
      baselineSeconds,
    },
    paced: { events: paced.length * input.batch, seconds: pacedSeconds, p50: at(0.5), p99: at(0.99) },
  })}\n`,
);
agent.destroy();
