import { FixedWindow } from '../../../simulators/kit/limits.js';

/**
 * Apollo's fixed-window limits: per team and per endpoint, a count per clock minute, hour and day.
 * Every answer (429s included) carries the limits and what is left of each window in
 * `x-rate-limit-minute|hourly|daily` and `x-minute|hourly|daily-requests-left`.
 */

export interface WindowLimits {
  minute: number;
  hour: number;
  day: number;
}

export type ApolloPlan = 'free' | 'basic' | 'professional';

/**
 * Per-endpoint limits by plan. The free numbers are Apollo's documented ones; paid plans allow
 * 1,000 a minute (the hourly and daily figures are not published: generous values stand in).
 */
export const PLAN_LIMITS: Record<ApolloPlan, WindowLimits> = {
  free: { minute: 50, hour: 200, day: 600 },
  basic: { minute: 200, hour: 2_000, day: 10_000 },
  professional: { minute: 1_000, hour: 20_000, day: 100_000 },
};

export interface ApolloLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Seconds until the window that refused the request opens again. */
  retryAfterSeconds?: number;
}

/**
 * The three windows of one plan, counted per `team|endpoint` key. A request counts in all three
 * windows or in none. Windows are aligned to the wall clock, as Apollo's are.
 *
 * @example
 * const limiter = new ApolloLimiter(PLAN_LIMITS.free);
 * limiter.check('team1|organizations/enrich').headers['x-minute-requests-left']; // '49'
 */
export class ApolloLimiter {
  private readonly minute: FixedWindow;
  private readonly hour: FixedWindow;
  private readonly day: FixedWindow;

  constructor(
    readonly limits: WindowLimits,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.minute = new FixedWindow(limits.minute, 60_000, now);
    this.hour = new FixedWindow(limits.hour, 3_600_000, now);
    this.day = new FixedWindow(limits.day, 86_400_000, now);
  }

  check(key: string): ApolloLimitDecision {
    const windows = [this.minute, this.hour, this.day];
    const full = windows.filter((w) => w.peek(key) === 0);
    let retryAfterSeconds: number | undefined;
    if (full.length === 0) {
      for (const w of windows) w.take(key);
    } else {
      // A refused request is not counted: take(key, 0) only reads when the window resets.
      const opensAt = Math.max(...full.map((w) => w.take(key, 0).resetAtMs));
      retryAfterSeconds = Math.max(1, Math.ceil((opensAt - this.now()) / 1000));
    }
    const headers = {
      'x-rate-limit-minute': String(this.limits.minute),
      'x-rate-limit-hourly': String(this.limits.hour),
      'x-rate-limit-daily': String(this.limits.day),
      'x-minute-requests-left': String(this.minute.peek(key)),
      'x-hourly-requests-left': String(this.hour.peek(key)),
      'x-daily-requests-left': String(this.day.peek(key)),
    };
    return full.length === 0 ? { allowed: true, headers } : { allowed: false, headers, retryAfterSeconds };
  }
}
