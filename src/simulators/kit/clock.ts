/**
 * A simulator's sense of time: it starts at the dataset's "now" and runs with the wall clock, so a
 * world generated for any date behaves as if that date were today. Tests move it with `advance`.
 *
 * @example
 * const clock = createSimClock(dataset.now);
 * clock.nowUnix();            // seconds, like Stripe's `created`
 * clock.advance(31 * 86_400_000); // a month later: Stripe's 30-day event retention kicks in
 */
export interface SimClock {
  nowMs(): number;
  nowUnix(): number;
  advance(ms: number): void;
}

export function createSimClock(start: string | number | Date, wall: () => number = Date.now): SimClock {
  const startMs = new Date(start).getTime();
  if (Number.isNaN(startMs)) throw new Error(`Simulator clock start is not a date: ${String(start)}`);
  const wallStart = wall();
  let offset = 0;
  const nowMs = () => startMs + (wall() - wallStart) + offset;
  return {
    nowMs,
    nowUnix: () => Math.floor(nowMs() / 1000),
    advance(ms) {
      offset += ms;
    },
  };
}
