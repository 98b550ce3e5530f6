/**
 * The event-ingest bench's calls: batches of track calls shaped as `@segment/analytics-node` sends
 * them, made from a seeded generator so the sender process and the checking process build the very
 * same calls (the senders post them; the checker aggregates them directly).
 */
export interface EventCallsSpec {
  total: number;
  batch: number;
  accounts: number;
  days: number;
  /** Epoch milliseconds the timestamps count back from (shared, so both sides agree). */
  now: number;
}

const EVENT_NAMES = ['login', 'report_exported', 'invite_sent', 'dashboard_viewed', 'api_call'];

/**
 * The request bodies and, per `<account>|<day>|<event>`, how many calls they hold.
 *
 * @example const { bodies, expected } = eventCalls({ total: 1000, batch: 100, accounts: 50, days: 30, now: Date.now() });
 */
export function eventCalls(spec: EventCallsSpec): { bodies: string[]; expected: Map<string, number> } {
  const expected = new Map<string, number>();
  const bodies: string[] = [];
  // mulberry32: a seeded generator, so every run sends the same calls.
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
  for (let b = 0; b < spec.total / spec.batch; b++) {
    const batch = [];
    for (let i = 0; i < spec.batch; i++) {
      const account = `acct-${rand(spec.accounts)}.example`;
      const event = EVENT_NAMES[rand(EVENT_NAMES.length)]!;
      const timestamp = new Date(spec.now - rand(spec.days) * 86_400_000 - rand(86_400) * 1000).toISOString();
      const id = `${account}|${timestamp.slice(0, 10)}|${event}`;
      expected.set(id, (expected.get(id) ?? 0) + 1);
      batch.push({
        type: 'track',
        messageId: `bench-${b}-${i}`,
        userId: `user-${rand(5000)}`,
        event,
        timestamp,
        properties: { plan: 'pro', seats: rand(50) },
        context: { groupId: account, library: { name: '@segment/analytics-node', version: '2.1.0' } },
        _metadata: { jsRuntime: 'node' },
      });
    }
    bodies.push(JSON.stringify({ batch, sentAt: new Date(spec.now).toISOString() }));
  }
  return { bodies, expected };
}
