/** The one source of "now", so detectors and tests can run on a fixed clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock {
  const date = new Date(at);
  return { now: () => new Date(date) };
}

export const isoNow = (clock: Clock = systemClock): string => clock.now().toISOString();
