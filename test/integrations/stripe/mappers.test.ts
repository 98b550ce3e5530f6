import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import stripe from '../../../src/integrations/stripe/index.js';
import {
  customerClaim,
  customerName,
  customerRefClaim,
  invoicePoints,
  priceInfo,
  subscriptionOf,
} from '../../../src/integrations/stripe/mappers.js';

/** Stripe's reference fixtures (stripe/openapi fixtures3.json), copied verbatim per object. */
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as T;

const customer = () => fixture<Stripe.Customer>('customer');
const subscription = () => fixture<Stripe.Subscription>('subscription');
const invoice = () => fixture<Stripe.Invoice>('invoice');
const price = () => fixture<Stripe.Price>('price');

describe('Stripe mappers on the reference fixtures', () => {
  it('declares its facts per stream in the definition', () => {
    expect(stripe.streams.customers.facts?.identity?.anchor).toBe('customer');
    expect(stripe.streams.subscriptions.facts?.identity?.follows).toBe(true);
    expect(stripe.streams.invoices.facts?.billing?.invoice).toBe(invoicePoints);
    expect(stripe.streams.prices.facts?.billing?.price).toBe(priceInfo);
  });

  it('a customer without email or metadata.domain claims nothing, and says why', () => {
    expect(customerClaim(customer())).toEqual({ kind: 'none', reason: 'no email and no metadata.domain' });
  });

  it('metadata.domain wins over the billing email, and the conflict is recorded', () => {
    const c = { ...customer(), email: 'Ann@Other.io', metadata: { domain: 'https://www.Acme.io/' } };
    expect(customerClaim(c)).toEqual({
      kind: 'domain',
      domain: 'acme.io',
      method: 'metadata_domain',
      conflict: {
        chosen: 'acme.io',
        candidates: [
          { domain: 'acme.io', method: 'metadata_domain' },
          { domain: 'other.io', method: 'email_domain' },
        ],
        rule: 'metadata.domain wins over the billing email domain',
      },
    });
  });

  it('a work billing email claims its domain; a personal one waits for a person with that email', () => {
    expect(customerClaim({ ...customer(), email: 'ann@acme.io' })).toEqual({
      kind: 'domain',
      domain: 'acme.io',
      method: 'email_domain',
    });
    expect(customerClaim({ ...customer(), email: 'Ann@Gmail.com' })).toEqual({
      kind: 'email',
      email: 'ann@gmail.com',
      reason: 'personal billing email (gmail.com) and no metadata.domain',
    });
  });

  it("offers the customer's name only when the customer is the company's", () => {
    expect(customerName({ ...customer(), name: ' Acme Inc ' })).toBeNull();
    expect(customerName({ ...customer(), name: ' Acme Inc ', metadata: { domain: 'acme.io' } })).toBe(
      'Acme Inc',
    );
    expect(stripe.streams.customers.facts?.firstSeen?.(customer())).toBe('2009-02-13T23:31:30.000Z');
  });

  it('subscriptions and invoices follow their customer', () => {
    expect(customerRefClaim(subscription())).toEqual({ kind: 'customer', customerId: 'cus_QXg1o8vcGmoR32' });
    expect(customerRefClaim(invoice())).toEqual({ kind: 'customer', customerId: 'cus_QXg1o8vcGmoR32' });
    expect(customerRefClaim({ ...invoice(), customer: null })).toEqual({
      kind: 'none',
      reason: 'no customer',
    });
  });

  it('a price reduces to amount, interval and plan (its product name when expanded)', () => {
    expect(priceInfo(price())).toEqual({
      unitAmount: 2000,
      currency: 'usd',
      interval: 'month',
      intervalCount: 1,
      plan: null,
      seatLimit: null,
    });
    const withProduct = { ...price(), product: fixture<Stripe.Product>('product') };
    expect(priceInfo(withProduct).plan).toBe('T-shirt');
  });

  it('a subscription becomes its live state: seats, ARR from the item price, dates in ISO', () => {
    const sub = subscriptionOf(subscription(), new Map());
    expect(sub).toMatchObject({
      id: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw',
      status: 'active',
      createdAt: '2009-02-13T23:31:30.000Z',
      trialEnd: '2009-02-13T23:31:30.000Z',
      cancelAtPeriodEnd: true,
      interval: 'month',
      intervalCount: 1,
      currency: 'usd',
      current: { seats: 1, arr: 240, plan: null, seatLimit: null },
      points: [],
    });
    // The stored price (with its product) fills what the inline one lacks.
    const book = new Map([[price().id, { ...priceInfo(price()), plan: 'team', seatLimit: 10 }]]);
    expect(subscriptionOf(subscription(), book).current).toEqual({
      seats: 1,
      arr: 240,
      plan: 'team',
      seatLimit: 10,
    });
  });

  it('a draft invoice shows no billing point; a paid one shows the state it charged for', () => {
    const book = new Map([[price().id, priceInfo(price())]]);
    expect(invoicePoints(invoice(), book).size).toBe(0);

    const paid = invoice() as unknown as Record<string, unknown> & {
      lines: { data: Record<string, unknown>[] };
    };
    paid.status = 'paid';
    paid.amount_paid = 2000;
    paid.status_transitions = { paid_at: 1_721_954_054 };
    const line = paid.lines.data[0]!;
    line.pricing = { type: 'price_details', price_details: { price: price().id } };
    line.parent = {
      type: 'subscription_item_details',
      subscription_item_details: { subscription: 'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw', proration: false },
    };
    line.quantity = 3;
    const points = invoicePoints(paid as unknown as Stripe.Invoice, book);
    expect([...points]).toEqual([
      [
        'sub_1Pgc6rB7WZ01zgkWNy0Cn5nw',
        { at: '2024-07-26T00:34:14.000Z', arr: 720, seats: 3, plan: null, seatLimit: null },
      ],
    ]);
  });
});
