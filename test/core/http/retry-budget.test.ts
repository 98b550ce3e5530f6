import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  credentialFingerprint,
  parseAvailableIn,
  parseRetryAfter,
  RateBudget,
  sharedBudget,
} from '../../../src/core/http/index.js';
import { SlidingWindow } from '../../../src/simulators/kit/index.js';

describe('Retry-After and backoff', () => {
  const now = new Date('2023-05-23T14:42:00Z');

  it('reads seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Tue, 23 May 2023 14:42:01 GMT', now)).toBe(1000);
    expect(parseRetryAfter('Tue, 23 May 2023 14:41:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('reads "available in N seconds" from a throttling message', () => {
    expect(parseAvailableIn('Request was throttled. Expected available in 12 seconds.')).toBe(12000);
    expect(parseAvailableIn('{"detail":"Expected available in 1 second."}')).toBe(1000);
    expect(parseAvailableIn('Too many requests')).toBeUndefined();
  });

  it('uses full jitter under an exponential ceiling capped by maxWaitMs', () => {
    const policy = { maxAttempts: 5, baseDelayMs: 100, maxWaitMs: 1000 };
    expect(backoffDelay(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelay(3, policy, () => 0.999)).toBe(799);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(2, policy, () => 0)).toBe(0);
  });
});

describe('RateBudget', () => {
  it('paces requests to the per-second limit', async () => {
    const budget = new RateBudget({ perSecond: 50 });
    const start = performance.now();
    for (let i = 0; i < 26; i++) await budget.take();
    const ms = performance.now() - start;
    expect(ms).toBeGreaterThanOrEqual(480);
    expect(ms).toBeLessThan(1500);
  });

  it('lets a burst through at once, then paces', async () => {
    const budget = new RateBudget({ perSecond: 10, burst: 5 });
    const start = performance.now();
    for (let i = 0; i < 5; i++) await budget.take();
    expect(performance.now() - start).toBeLessThan(50);
    await budget.take();
    expect(performance.now() - start).toBeGreaterThanOrEqual(90);
  });

  it('in rolling mode lets the limit go at once, then never more than the limit in a span (+2%)', async () => {
    const budget = new RateBudget({ window: { requests: 5, ms: 200 }, counting: 'rolling' });
    const limiter = new SlidingWindow(5, 200);
    const start = performance.now();
    const sent: number[] = [];
    for (let i = 0; i < 15; i++) {
      await budget.take();
      sent.push(performance.now() - start);
      // The service's own sliding log, counting the same moments, never refuses one.
      expect(limiter.take('key').ok).toBe(true);
    }
    expect(sent[4]).toBeLessThan(50);
    for (let i = 5; i < sent.length; i++) expect(sent[i]! - sent[i - 5]!).toBeGreaterThanOrEqual(203);
    // Two refills of the window, not fifteen evenly spaced requests (a paced budget: ~560 ms).
    expect(sent[14]).toBeLessThan(540);
  });

  it('in rolling mode counts an answered request from its answer, never letting the service refuse', async () => {
    const budget = new RateBudget({ window: { requests: 5, ms: 200 }, counting: 'rolling' });
    const limiter = new SlidingWindow(5, 200);
    const start = performance.now();
    const sent: number[] = [];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let i = 0; i < 5; i++)
          await budget.run(async () => {
            sent.push(performance.now() - start);
            expect(limiter.take('key').ok).toBe(true);
            await new Promise((r) => setTimeout(r, 1));
          });
      }),
    );
    sent.sort((a, b) => a - b);
    for (let i = 5; i < sent.length; i++) expect(sent[i]! - sent[i - 5]!).toBeGreaterThanOrEqual(199);
    expect(sent[14]).toBeLessThan(520);
  });

  it('in rolling mode keeps a request in flight in the span until its answer, however long it takes', async () => {
    const budget = new RateBudget({ window: { requests: 2, ms: 100 }, counting: 'rolling' });
    const start = performance.now();
    const first = await budget.acquire();
    const second = await budget.acquire();
    let thirdAt = 0;
    const third = budget.take().then(() => {
      thirdAt = performance.now() - start;
    });
    await new Promise((r) => setTimeout(r, 250));
    expect(thirdAt).toBe(0);
    first();
    const answeredAt = performance.now() - start;
    await third;
    expect(thirdAt).toBeGreaterThanOrEqual(answeredAt + 99);
    second();
  });

  it('holds every caller while paused after a 429', async () => {
    const budget = new RateBudget({ perSecond: 1000 });
    budget.pauseFor(300);
    const start = performance.now();
    await Promise.all([budget.take(), budget.take()]);
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
  });

  it('limits requests in flight', async () => {
    const budget = new RateBudget({ concurrency: 2 });
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        budget.run(async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, 10));
          inFlight -= 1;
        }),
      ),
    );
    expect(most).toBe(2);
  });

  it('stops waiting when the signal aborts', async () => {
    const budget = new RateBudget({ perMinute: 1 });
    await budget.take();
    const controller = new AbortController();
    const waiting = budget.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(budget.waiting).toBe(0);
  });

  it('is shared per credential, keyed by a hash that never holds the key', () => {
    const key = 'sk_test_secret_value_123';
    const fp = credentialFingerprint('stripe', { apiKey: key });
    expect(fp).not.toContain(key);
    expect(fp).toMatch(/^[0-9a-f]{32}$/);
    const a = sharedBudget('stripe', fp, { perSecond: 25 });
    expect(sharedBudget('stripe', fp, { perSecond: 25 })).toBe(a);
    expect(
      sharedBudget('stripe', credentialFingerprint('stripe', { apiKey: 'other' }), { perSecond: 25 }),
    ).not.toBe(a);
  });
});
