import { describe, expect, it } from 'vitest';
import { ApolloLimiter, CreditLedger } from '../../../src/integrations/apollo/simulator/index.js';

describe('Apollo fixed windows', () => {
  it('counts per minute, hour and day, resets at the clock boundary and reports what is left', () => {
    let now = Date.parse('2025-03-01T10:00:58Z');
    const limiter = new ApolloLimiter({ minute: 2, hour: 3, day: 10 }, () => now);
    expect(limiter.check('t|enrich').headers).toMatchObject({
      'x-rate-limit-minute': '2',
      'x-minute-requests-left': '1',
      'x-hourly-requests-left': '2',
      'x-daily-requests-left': '9',
    });
    expect(limiter.check('t|enrich').allowed).toBe(true);
    const refused = limiter.check('t|enrich');
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
    expect(refused.headers['x-daily-requests-left']).toBe('8');
    // Other endpoints (and teams) have their own windows.
    expect(limiter.check('t|bulk').allowed).toBe(true);
    now += 2_000;
    expect(limiter.check('t|enrich')).toMatchObject({
      allowed: true,
      headers: { 'x-hourly-requests-left': '0' },
    });
    const hour = limiter.check('t|enrich');
    expect(hour.allowed).toBe(false);
    expect(hour.retryAfterSeconds).toBe(3540);
  });
});

describe('credit ledger', () => {
  it('charges found records only and names subjects paid twice', () => {
    const ledger = new CreditLedger();
    const at = new Date();
    ledger.charge('bulk', 'a.com', 1, at);
    ledger.charge('bulk', 'b.com', 0, at);
    ledger.charge('bulk', 'b.com', 0, at);
    expect(ledger.chargedTwice()).toEqual([]);
    ledger.charge('bulk', 'a.com', 1, at);
    expect(ledger.spent).toBe(2);
    expect(ledger.chargedTwice()).toEqual(['a.com']);
  });
});
