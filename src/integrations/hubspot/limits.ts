import { sleep } from '../../core/http/retry.js';

/**
 * HubSpot counts requests in a rolling window (100 or 190 per 10 s for a private app; about 5 per
 * second on the search endpoints). A token bucket paced to the average rate wastes the window a run
 * starts with; this keeps the send times of the last `limit` requests and lets a request go only
 * when fewer than `limit` were sent in the last `windowMs` — so no request is sent before the window
 * allows it, and none waits longer than it must.
 *
 * @example
 * const window = new RollingWindow(98, 10_200);
 * await window.run(() => http.get('/crm/v3/owners'), signal);
 */
export class RollingWindow {
  private readonly sent: number[] = [];
  private pausedUntil = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Wait for a slot in the window (first come, first served), then record the send. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot(signal));
    // The next caller queues behind this one whether it got its slot or was aborted.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Nothing is sent before `ms` from now (the service refused; its window is full). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.sent.length > 0 && this.sent[0]! <= now - this.windowMs) this.sent.shift();
      let wait = Math.max(0, this.pausedUntil - now);
      if (this.sent.length >= this.limit) wait = Math.max(wait, this.sent[0]! + this.windowMs - now);
      if (wait <= 0) {
        this.sent.push(now);
        return;
      }
      await sleep(Math.ceil(wait), signal);
    }
  }
}

const windows = new Map<string, RollingWindow>();

/**
 * The process-wide window of one credential and lane (`general` or `search`), created on first use.
 * Keyed by a fingerprint of the credential, never the credential.
 */
export function sharedWindow(key: string, limit: number, windowMs: number): RollingWindow {
  const id = `${key}:${limit}:${windowMs}`;
  let window = windows.get(id);
  if (!window) {
    window = new RollingWindow(limit, windowMs);
    windows.set(id, window);
  }
  return window;
}
