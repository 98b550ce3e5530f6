import { z } from 'zod';
import { baseUrlSetting, defineIntegration, secret } from '../sdk.js';
import { StripeClient } from './client.js';
import { customersFacts, invoicesFacts, pricesFacts, subscriptionsFacts } from './mappers.js';
import { customersStream, invoicesStream, pricesStream, subscriptionsStream } from './streams.js';
import { stripeWebhook } from './webhook.js';

export {
  type ListParams,
  StripeClient,
  type StripeList,
  type StripeResourceName,
  type StripeResources,
} from './client.js';
export {
  EVENT_OVERLAP_SECONDS,
  EVENT_RETENTION_DAYS,
  STRIPE_PAGE_SIZE,
  type StripeStreamState,
} from './streams.js';
export {
  mapStripeEvent,
  missingWebhookSecret,
  verifyStripeDelivery,
  WEBHOOK_TOLERANCE_SECONDS,
} from './webhook.js';

export const STRIPE_API_BASE = 'https://api.stripe.com';

/**
 * Test mode allows 25 requests a second, and live mode 25 per endpoint by default (100 in all): a
 * stream reads one endpoint, so 25 is its ceiling with either key. Stripe counts requests in any
 * second, however bunched, so the budget counts a rolling window (each request until its answer,
 * so arrival jitter cannot tip a second over) rather than spacing requests evenly.
 */
export const STRIPE_REQUESTS_PER_SECOND = 25;

const apiKey = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (/^pk_(test|live)_/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'This is a publishable key (pk_…): use a secret or, better, a restricted key (sk_… / rk_…).',
      });
    } else if (!/^(sk|rk)_(test|live)_[A-Za-z0-9]{10,}$/.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a Stripe secret key (sk_test_… / sk_live_…) or restricted key (rk_…)',
      });
    }
  });

/**
 * Stripe: billing. Beton reads customers, subscriptions (seats, plan, trial, cancellations),
 * invoices and prices; later runs read the event feed since the cursor. Signed webhooks keep
 * records fresh between runs (POST /api/v1/webhooks/stripe/:connectionId).
 */
export default defineIntegration({
  name: 'stripe',
  displayName: 'Stripe',
  description:
    'Billing source: customers, subscriptions and seats, invoices, prices; webhooks for live changes.',
  category: 'billing',
  roles: ['source'],
  docs: {
    keyUrl: 'https://dashboard.stripe.com/apikeys',
    scopes: [
      'customers:read',
      'subscriptions:read',
      'invoices:read',
      'prices:read',
      'products:read',
      'events:read',
    ],
    setup: 'docs/integrations/stripe.md',
  },
  credentials: z.object({
    apiKey: secret(apiKey),
    webhookSecret: secret(
      z
        .string()
        .trim()
        .regex(/^whsec_[A-Za-z0-9]+$/, 'the signing secret of your webhook endpoint (whsec_…)'),
    )
      .optional()
      .describe('Signing secret of the webhook endpoint pointing at Beton (optional).'),
  }),
  settings: z.object({
    baseUrl: baseUrlSetting(STRIPE_API_BASE),
  }),
  rateLimit: { perSecond: STRIPE_REQUESTS_PER_SECOND, counting: 'rolling', concurrency: 8 },
  defaultBaseUrl: STRIPE_API_BASE,
  simulator: () => import('./simulator/index.js'),
  auth: (credentials) => ({ authorization: `Bearer ${credentials.apiKey}` }),
  client: (ctx) => new StripeClient(ctx.http, ctx.credentials.apiKey),
  validate: async (client) => {
    const who = await client.whoAmI();
    return { accountLabel: who.label, details: { accountId: who.accountId, restrictedKey: who.restricted } };
  },
  health: async (client) => {
    await client.list('customers', { limit: 1 });
    return { status: 'ok' };
  },
  streams: {
    customers: { ...customersStream, facts: customersFacts },
    subscriptions: { ...subscriptionsStream, facts: subscriptionsFacts },
    invoices: { ...invoicesStream, facts: invoicesFacts },
    prices: { ...pricesStream, facts: pricesFacts },
  },
  webhook: stripeWebhook,
});
