import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Rng } from '../dataset/random.js';
import { type Knobs, resolveKnobs } from './knobs.js';

/** What a simulator has been asked, readable by tests (`server.counters.byRoute['GET /v1/customers']`). */
export interface Counters {
  total: number;
  /** By `METHOD /route/pattern` (Fastify's route, not the concrete URL). */
  byRoute: Record<string, number>;
  byStatus: Record<number, number>;
  /** Requests answered 429. */
  rateLimited: number;
  /** Requests that change state (see `isWrite`). */
  writes: number;
  /** Faults injected by the knobs. */
  faults: { errors: number; timeouts: number; malformed: number; truncated: number };
}

export interface SimServerOptions {
  /** Names the server in errors (`stripe`, `posthog`, …). */
  name: string;
  knobs?: Partial<Knobs>;
  /** The body of an injected 5xx, in the service's own error shape. */
  faultBody?: (status: number) => unknown;
  /** Whether a request changes state (default: any method but GET, HEAD and OPTIONS). */
  isWrite?: (method: string, route: string) => boolean;
  /** Largest request body accepted (default 1 MiB). */
  bodyLimit?: number;
}

/**
 * A simulator's HTTP server: Fastify on 127.0.0.1 with an ephemeral port, plus the shared knobs —
 * latency, injected 5xx, hanging requests, malformed and truncated bodies — and request counters.
 * Register the service's routes on `app`, then `listen()`.
 *
 * @example
 * const server = createSimServer({ name: 'acme', faultBody: (s) => ({ error: { status: s } }) });
 * server.app.get('/v1/items', async () => ({ items: [] }));
 * const url = await server.listen();          // http://127.0.0.1:49321
 * server.setKnobs({ errorRate: 0.2 });        // every fifth request (on average) fails
 * server.counters.byRoute['GET /v1/items'];   // how often the client asked
 * await server.close();
 */
export interface SimServer {
  readonly name: string;
  readonly app: FastifyInstance;
  readonly knobs: Readonly<Knobs>;
  setKnobs(partial: Partial<Knobs>): void;
  /** Live counters (the same object keeps updating). */
  readonly counters: Counters;
  resetCounters(): void;
  /** Listen on 127.0.0.1:0 (or `port`); resolves to the base URL. */
  listen(port?: number): Promise<string>;
  /** The base URL once listening. */
  readonly url: string;
  close(): Promise<void>;
}

type Fault = 'malformed' | 'truncated';
const faultOf = new WeakMap<FastifyRequest, Fault>();

const emptyCounters = (): Counters => ({
  total: 0,
  byRoute: {},
  byStatus: {},
  rateLimited: 0,
  writes: 0,
  faults: { errors: 0, timeouts: 0, malformed: 0, truncated: 0 },
});

export function createSimServer(options: SimServerOptions): SimServer {
  let knobs = resolveKnobs(options.knobs);
  let dice = new Rng(knobs.faultSeed);
  let counters = emptyCounters();
  let url = '';
  const isWrite = options.isWrite ?? ((method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method));
  const faultBody = options.faultBody ?? ((status: number) => ({ error: `simulated ${status}` }));

  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    bodyLimit: options.bodyLimit ?? 1_048_576,
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    counters.total++;
    counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1;
    if (isWrite(request.method, request.routeOptions.url ?? '')) counters.writes++;
    const delay = knobs.latencyMs + (knobs.latencyJitterMs > 0 ? dice.next() * knobs.latencyJitterMs : 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

    const roll = dice.next();
    if (roll < knobs.timeoutRate) {
      counters.faults.timeouts++;
      await hang(request, reply, knobs.hangMs);
      return reply;
    }
    if (roll < knobs.timeoutRate + knobs.errorRate) {
      counters.faults.errors++;
      const status = dice.next() < 0.5 ? 500 : 503;
      return reply.code(status).type('application/json').send(faultBody(status));
    }
    const bodyRoll = dice.next();
    if (bodyRoll < knobs.malformedRate) faultOf.set(request, 'malformed');
    else if (bodyRoll < knobs.malformedRate + knobs.truncatedRate) faultOf.set(request, 'truncated');
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const fault = faultOf.get(request);
    if (!fault || reply.statusCode >= 300 || payload === null || payload === undefined) return payload;
    const body =
      typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    if (body === null) return payload;
    if (fault === 'malformed') {
      counters.faults.malformed++;
      return `${body.slice(0, Math.floor(body.length / 2))}<html><body>upstream hiccup</body></html>`;
    }
    counters.faults.truncated++;
    reply.header('content-length', String(Buffer.byteLength(body)));
    return truncatedStream(body);
  });

  app.addHook('onResponse', async (_request, reply) => {
    const status = reply.statusCode;
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    if (status === 429) counters.rateLimited++;
  });

  return {
    name: options.name,
    app,
    get knobs() {
      return knobs;
    },
    setKnobs(partial) {
      const seedChanged = partial.faultSeed !== undefined && partial.faultSeed !== knobs.faultSeed;
      knobs = resolveKnobs(partial, knobs);
      if (seedChanged) dice = new Rng(knobs.faultSeed);
    },
    get counters() {
      return counters;
    },
    resetCounters() {
      counters = emptyCounters();
    },
    async listen(port = 0) {
      await app.listen({ host: '127.0.0.1', port });
      const address = app.server.address();
      if (!address || typeof address === 'string')
        throw new Error(`${options.name} simulator did not get a TCP port.`);
      url = `http://127.0.0.1:${address.port}`;
      return url;
    },
    get url() {
      if (!url) throw new Error(`${options.name} simulator is not listening yet: await listen() first.`);
      return url;
    },
    async close() {
      await app.close();
    },
  };
}

/** Hold the request without an answer, then drop the connection, as a stuck upstream does. */
function hang(request: FastifyRequest, reply: FastifyReply, ms: number): Promise<void> {
  return new Promise(() => {
    const timer = setTimeout(() => reply.raw.destroy(), ms);
    timer.unref();
    request.raw.once('close', () => clearTimeout(timer));
  });
}

/** Half of the body, then an error: Fastify destroys the socket mid-answer (after the half is sent). */
function truncatedStream(body: string): Readable {
  const half = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
  let sent = false;
  return new Readable({
    read() {
      if (sent) return;
      sent = true;
      this.push(half);
      setTimeout(() => this.destroy(new Error('simulated truncated answer')), 20);
    },
  });
}
