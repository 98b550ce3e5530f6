import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ConcurrencyGate,
  createSimClock,
  createSimServer,
  FixedWindow,
  type SimServer,
  SlidingWindow,
} from '../../src/simulators/kit/index.js';

let server: SimServer;
let url: string;

beforeAll(async () => {
  server = createSimServer({ name: 'kit-test', faultBody: (status) => ({ error: { status } }) });
  server.app.get('/v1/items', async () => ({
    items: Array.from({ length: 50 }, (_, k) => ({ id: k, name: `item ${k}` })),
  }));
  server.app.post('/v1/items', async () => ({ ok: true }));
  server.app.get('/v1/limited', async (_req, reply) => reply.code(429).send({ error: 'slow down' }));
  url = await server.listen();
});
afterAll(() => server.close());
beforeEach(() => {
  server.setKnobs({
    errorRate: 0,
    timeoutRate: 0,
    malformedRate: 0,
    truncatedRate: 0,
    latencyMs: 0,
    faultSeed: 1,
  });
  server.resetCounters();
});

describe('simulator server kit', () => {
  it('listens on 127.0.0.1 with an ephemeral port and counts requests by route, writes and 429s', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await fetch(`${url}/v1/items`);
    await fetch(`${url}/v1/items?page=2`);
    await fetch(`${url}/v1/items`, { method: 'POST' });
    await fetch(`${url}/v1/limited`);
    expect(server.counters.total).toBe(4);
    expect(server.counters.byRoute).toEqual({
      'GET /v1/items': 2,
      'POST /v1/items': 1,
      'GET /v1/limited': 1,
    });
    expect(server.counters.writes).toBe(1);
    expect(server.counters.rateLimited).toBe(1);
    expect(server.counters.byStatus[200]).toBe(3);
  });

  it('injects 5xx answers in the service error shape at the configured rate', async () => {
    server.setKnobs({ errorRate: 1 });
    const res = await fetch(`${url}/v1/items`);
    expect([500, 503]).toContain(res.status);
    expect(await res.json()).toEqual({ error: { status: res.status } });
    server.setKnobs({ errorRate: 0.5, faultSeed: 7 });
    const statuses: number[] = [];
    for (let k = 0; k < 40; k++) statuses.push((await fetch(`${url}/v1/items`)).status);
    const failed = statuses.filter((s) => s >= 500).length;
    expect(failed).toBeGreaterThan(8);
    expect(failed).toBeLessThan(32);
  });

  it('rolls the same faults for the same seed and request order', async () => {
    const run = async () => {
      server.setKnobs({ errorRate: 0.3, faultSeed: 42 });
      const out: number[] = [];
      for (let k = 0; k < 20; k++) out.push((await fetch(`${url}/v1/items`)).status);
      return out;
    };
    const first = await run();
    server.setKnobs({ faultSeed: 1 });
    expect(await run()).toEqual(first);
  });

  it('hangs a request until the client gives up', async () => {
    server.setKnobs({ timeoutRate: 1, hangMs: 60_000 });
    const started = Date.now();
    await expect(fetch(`${url}/v1/items`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.counters.faults.timeouts).toBe(1);
  });

  it('answers 200 with a body that is not JSON, or cuts the body off mid-way', async () => {
    server.setKnobs({ malformedRate: 1 });
    const malformed = await fetch(`${url}/v1/items`);
    expect(malformed.status).toBe(200);
    const text = await malformed.text();
    expect(() => JSON.parse(text)).toThrow();

    server.setKnobs({ malformedRate: 0, truncatedRate: 1 });
    const truncated = await fetch(`${url}/v1/items`);
    await expect(truncated.text()).rejects.toThrow();
    expect(server.counters.faults).toMatchObject({ malformed: 1, truncated: 1 });
  });

  it('adds latency to every answer', async () => {
    server.setKnobs({ latencyMs: 150 });
    const started = performance.now();
    await fetch(`${url}/v1/items`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses knobs out of range with a message naming the knob', () => {
    expect(() => server.setKnobs({ errorRate: 2 })).toThrow(/errorRate/);
    expect(() => server.setKnobs({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});

describe('rate windows and the simulated clock', () => {
  it('a fixed window allows `limit` per window and says when the next one opens', () => {
    let now = 1_000;
    const w = new FixedWindow(3, 1_000, () => now);
    expect([w.take('k').ok, w.take('k').ok, w.take('k').ok]).toEqual([true, true, true]);
    const refused = w.take('k');
    expect(refused).toMatchObject({ ok: false, remaining: 0, retryAfterMs: 1_000 });
    expect(w.take('other').ok).toBe(true);
    now = 2_000;
    expect(w.take('k').ok).toBe(true);
  });

  it('a sliding window refuses the request that would make limit + 1 within any span', () => {
    let now = 0;
    const w = new SlidingWindow(2, 1_000, () => now);
    expect(w.take('k').ok).toBe(true);
    now = 600;
    expect(w.take('k').ok).toBe(true);
    now = 900;
    expect(w.take('k')).toMatchObject({ ok: false, retryAfterMs: 100 });
    now = 1_000;
    expect(w.take('k').ok).toBe(true);
  });

  it('a concurrency gate admits N at once and frees a slot on release', () => {
    const gate = new ConcurrencyGate(2);
    const a = gate.enter('k');
    const b = gate.enter('k');
    expect(gate.enter('k')).toBeNull();
    a!();
    a!();
    expect(gate.enter('k')).not.toBeNull();
    b!();
  });

  it('the simulated clock starts at the world time and moves with the wall clock and advance()', () => {
    let wall = 5_000;
    const clock = createSimClock('2025-06-01T00:00:00Z', () => wall);
    expect(clock.nowMs()).toBe(Date.parse('2025-06-01T00:00:00Z'));
    wall += 2_000;
    clock.advance(86_400_000);
    expect(clock.nowUnix()).toBe(Date.parse('2025-06-02T00:00:02Z') / 1000);
  });
});
