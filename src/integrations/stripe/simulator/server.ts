import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dataset } from '../../../simulators/dataset/index.js';
import { hashString, Rng } from '../../../simulators/dataset/random.js';
import {
  createSimClock,
  createSimServer,
  type Knobs,
  type SimClock,
  type SimServer,
  SlidingWindow,
} from '../../../simulators/kit/index.js';
import {
  int,
  list,
  ParamError,
  type Params,
  type ParamValue,
  parseStripeParams,
  range,
  str,
} from './params.js';
import { STRIPE_API_VERSION, type StoredEvent, StripeError, StripeStore } from './store.js';

/** Resources a restricted key may be allowed to read (`rk_…`). */
export type StripeResource =
  | 'account'
  | 'balance'
  | 'customers'
  | 'subscriptions'
  | 'invoices'
  | 'prices'
  | 'products'
  | 'events'
  | 'webhook_endpoints';

export interface StripeSimulatorOptions {
  /** TCP port on 127.0.0.1 (default: an ephemeral one). */
  port?: number;
  dataset: Dataset;
  knobs?: Partial<Knobs>;
  clock?: SimClock;
  /** The secret key accepted with every permission (default: `sk_test_…` derived from the seed). */
  apiKey?: string;
  /** Requests per second per key before 429 (test mode: 25). */
  requestsPerSecond?: number;
  /** Events older than this are gone (Stripe: 30 days). */
  eventRetentionDays?: number;
  /** Also put `current_period_*` on subscriptions, as API versions before 2025-03-31 did. */
  legacyPeriodFields?: boolean;
}

/**
 * The Stripe simulator: the read API Beton syncs (customers, subscriptions, invoices, prices,
 * products, events) with Stripe's pagination, filters, `expand[]`, errors and the test-mode rate
 * limit, plus the writes tests use to change the world (through the official SDK or `store`).
 * New events are delivered to registered webhook endpoints, signed like Stripe's.
 *
 * @example
 * const stripe = await startStripeSimulator({ dataset });
 * const client = new Stripe(stripe.apiKey, { host: '127.0.0.1', port: new URL(stripe.url).port, protocol: 'http' });
 * await client.subscriptions.update(id, { cancel_at_period_end: true }); // emits customer.subscription.updated
 */
export interface StripeSimulator {
  readonly server: SimServer;
  readonly url: string;
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly accountId: string;
  readonly store: StripeStore;
  readonly clock: SimClock;
  /** Accept a restricted key allowed to read only `resources`. */
  addRestrictedKey(key: string, resources: readonly StripeResource[]): void;
  /** Answer the next `requests` requests with Stripe's 429 (which says nothing of when to retry). */
  rateLimitStorm(requests: number): void;
  /** Deliver every new event to `url` (as a webhook endpoint would); returns the endpoint id. */
  addWebhookEndpoint(url: string, events?: readonly string[]): string;
  /** Webhook deliveries attempted and answered 2xx. */
  readonly deliveries: { attempted: number; succeeded: number };
  /** Sign a payload as Stripe does: `t=…,v1=…`. */
  sign(payload: string, timestamp?: number): string;
  close(): Promise<void>;
}

interface Endpoint {
  id: string;
  url: string;
  events: readonly string[];
  created: number;
}

export async function startStripeSimulator(options: StripeSimulatorOptions): Promise<StripeSimulator> {
  const { dataset } = options;
  const ids = new Rng(hashString(`${dataset.seed}:stripe`));
  const apiKey = options.apiKey ?? `sk_test_${ids.chars(99)}`;
  const webhookSecret = `whsec_${ids.chars(32)}`;
  const accountId = `acct_1${ids.chars(15)}`;
  const clock = options.clock ?? createSimClock(dataset.now);
  const store = new StripeStore(dataset.billing, clock, ids);
  store.legacyPeriodFields = options.legacyPeriodFields ?? false;
  const retention = (options.eventRetentionDays ?? 30) * 86_400;
  const keys = new Map<string, readonly StripeResource[] | 'all'>([[apiKey, 'all']]);
  const perSecond = new SlidingWindow(options.requestsPerSecond ?? 25, 1_000);
  const storm = { left: 0 };
  const endpoints: Endpoint[] = [];
  const deliveries = { attempted: 0, succeeded: 0 };
  const idempotent = new Map<string, { status: number; body: unknown; at: number }>();

  const stripeError = (type: string, message: string, extra: Record<string, unknown> = {}) => ({
    error: { type, message, ...extra },
  });
  const server = createSimServer({
    name: 'stripe',
    knobs: options.knobs,
    faultBody: () => stripeError('api_error', 'An unknown error occurred while processing your request.'),
  });
  const app = server.app;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('request-id', `req_${ids.chars(14)}`);
    reply.header('stripe-version', STRIPE_API_VERSION);
    return payload;
  });

  const mask = (key: string) =>
    key.length > 12
      ? `${key.slice(0, 8)}${'*'.repeat(Math.min(24, key.length - 12))}${key.slice(-4)}`
      : '****';

  /** Auth, permission and the per-second limit; answers and returns false when the request stops here. */
  const admit = (request: FastifyRequest, reply: FastifyReply, resource: StripeResource): boolean => {
    const header = request.headers.authorization ?? '';
    let key: string | undefined;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    if (bearer) key = bearer[1];
    else if (basic) key = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
    if (!key) {
      reply
        .code(401)
        .send(
          stripeError(
            'invalid_request_error',
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          ),
        );
      return false;
    }
    if (key.startsWith('pk_')) {
      reply
        .code(401)
        .send(
          stripeError(
            'invalid_request_error',
            'This API call cannot be made with a publishable API key. Please use a secret API key.',
          ),
        );
      return false;
    }
    const allowed = keys.get(key);
    if (!allowed) {
      reply.code(401).send(stripeError('invalid_request_error', `Invalid API Key provided: ${mask(key)}`));
      return false;
    }
    if (allowed !== 'all' && !allowed.includes(resource)) {
      reply
        .code(403)
        .send(
          stripeError(
            'invalid_request_error',
            `The provided key '${mask(key)}' does not have the required permissions for this endpoint on account '${accountId}'. Having the 'rak_${resource.replace(/s$/, '')}_read' permission would allow this request to continue.`,
            { code: 'secret_key_required' },
          ),
        );
      return false;
    }
    const stormed = storm.left > 0;
    if (stormed) storm.left -= 1;
    if (stormed || (server.knobs.rateLimits && !perSecond.take(key).ok)) {
      reply.code(429).send(
        stripeError(
          'invalid_request_error',
          'Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
          {
            code: 'rate_limit',
            doc_url: 'https://stripe.com/docs/error-codes/rate-limit',
          },
        ),
      );
      return false;
    }
    return true;
  };

  const params = (request: FastifyRequest): Params => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const fromQuery = parseStripeParams(query);
    const body =
      typeof request.body === 'string' && request.body.length > 0 ? parseStripeParams(request.body) : {};
    return { ...fromQuery, ...body };
  };

  /** Run a handler, mapping Stripe and parameter errors to Stripe's error answers. */
  const handle =
    (resource: StripeResource, run: (p: Params, request: FastifyRequest) => unknown) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (!admit(request, reply, resource)) return reply;
      const idempotencyKey =
        request.method === 'POST' ? (request.headers['idempotency-key'] as string | undefined) : undefined;
      if (idempotencyKey) {
        const seen = idempotent.get(idempotencyKey);
        if (seen && seen.at > Date.now() - 86_400_000) {
          reply.header('idempotent-replayed', 'true');
          return reply.code(seen.status).send(seen.body);
        }
      }
      let status = 200;
      let body: unknown;
      try {
        body = run(params(request), request);
      } catch (e) {
        if (e instanceof StripeError) {
          status = e.status;
          body = stripeError(e.type, e.message, {
            ...(e.code ? { code: e.code } : {}),
            ...(e.param ? { param: e.param } : {}),
          });
        } else if (e instanceof ParamError) {
          status = 400;
          body = stripeError('invalid_request_error', e.message, { param: e.param });
        } else throw e;
      }
      if (idempotencyKey) idempotent.set(idempotencyKey, { status, body, at: Date.now() });
      if (typeof body === 'string') reply.type('application/json; charset=utf-8');
      return reply.code(status).send(body);
    };

  // --- expansion -------------------------------------------------------------------------------

  const expandable: Record<string, (id: string) => Record<string, unknown>> = {
    customer: (id) => {
      const c = store.customer(id);
      return c.deleted !== null ? { id, object: 'customer', deleted: true } : store.renderCustomer(c);
    },
    product: (id) => store.renderProduct(store.product(id)),
    default_price: (id) => store.renderPrice(store.price(id)),
    price: (id) => store.renderPrice(store.price(id)),
    latest_invoice: (id) => store.renderInvoice(store.invoice(id)),
    subscription: (id) => store.renderSubscription(store.subscription(id)),
  };

  const expandPath = (target: unknown, segments: string[], full: string): void => {
    if (target === null || typeof target !== 'object') return;
    if (Array.isArray(target)) {
      for (const item of target) expandPath(item, segments, full);
      return;
    }
    const obj = target as Record<string, unknown>;
    const [head, ...rest] = segments;
    if (!(head! in obj))
      throw new StripeError(
        400,
        'invalid_request_error',
        `This property cannot be expanded (${full}).`,
        undefined,
        'expand',
      );
    let value = obj[head!];
    if (typeof value === 'string') {
      const resolve = expandable[head!];
      if (!resolve)
        throw new StripeError(
          400,
          'invalid_request_error',
          `This property cannot be expanded (${full}).`,
          undefined,
          'expand',
        );
      value = resolve(value);
      obj[head!] = value;
    }
    if (rest.length > 0) expandPath(value, rest, full);
  };

  const applyExpand = (p: Params, objects: Record<string, unknown>[], isList: boolean) => {
    for (const path of list(p, 'expand')) {
      let segments = path.split('.');
      if (isList) {
        if (segments[0] !== 'data') {
          throw new StripeError(
            400,
            'invalid_request_error',
            `This property cannot be expanded (${path}). You may want to try expanding 'data.${path}' instead.`,
            undefined,
            'expand',
          );
        }
        segments = segments.slice(1);
      }
      if (segments.length === 0 || segments.length > 4) {
        throw new StripeError(
          400,
          'invalid_request_error',
          `You cannot expand more than 4 levels of a property (${path}).`,
          undefined,
          'expand',
        );
      }
      for (const o of objects) expandPath(o, segments, path);
    }
  };

  // --- lists -----------------------------------------------------------------------------------

  /** Stripe's cursor pagination over a newest-first array. */
  const listOf = <T extends { id: string; created: number }>(
    p: Params,
    url: string,
    items: readonly T[],
    keep: (item: T) => boolean,
    render: (item: T) => Record<string, unknown>,
    kind: string,
    json?: (item: T) => string,
  ): Record<string, unknown> | string => {
    const limit = int(p, 'limit', 10, 1, 100);
    const created = range(p, 'created');
    const after = str(p, 'starting_after');
    const before = str(p, 'ending_before');
    if (after && before)
      throw new ParamError(
        'You may only specify one of these parameters: ending_before, starting_after.',
        'ending_before',
      );
    const matches = (item: T) => keep(item) && (!created || created(item.created));
    const page: T[] = [];
    let hasMore = false;
    if (before) {
      const index = items.findIndex((x) => x.id === before);
      if (index < 0)
        throw new StripeError(
          404,
          'invalid_request_error',
          `No such ${kind}: '${before}'`,
          'resource_missing',
          'ending_before',
        );
      for (let k = index - 1; k >= 0; k--) {
        if (!matches(items[k]!)) continue;
        if (page.length === limit) {
          hasMore = true;
          break;
        }
        page.push(items[k]!);
      }
      page.reverse();
    } else {
      let start = 0;
      // The repeatNext knob: the cursor does not move, so the first page is served again.
      if (after && !server.knobs.repeatNext) {
        const index = items.findIndex((x) => x.id === after);
        if (index < 0)
          throw new StripeError(
            404,
            'invalid_request_error',
            `No such ${kind}: '${after}'`,
            'resource_missing',
            'starting_after',
          );
        start = index + 1;
      }
      for (let k = start; k < items.length; k++) {
        if (!matches(items[k]!)) continue;
        if (page.length === limit) {
          hasMore = true;
          break;
        }
        page.push(items[k]!);
      }
    }
    const more = hasMore || server.knobs.repeatNext;
    // Without expansions, a page is the objects' cached JSON joined (same bytes as rendering them).
    if (json && list(p, 'expand').length === 0) {
      return `{"object":"list","data":[${page.map(json).join(',')}],"has_more":${more},"url":${JSON.stringify(url)}}`;
    }
    const data = page.map(render);
    applyExpand(p, data, true);
    return { object: 'list', data, has_more: more, url };
  };

  const one = (p: Params, object: Record<string, unknown>) => {
    applyExpand(p, [object], false);
    return object;
  };

  const idParam = (request: FastifyRequest) => (request.params as { id: string }).id;
  const flag = (v: ParamValue | undefined, name: string): boolean | undefined => {
    if (v === undefined) return undefined;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new ParamError(`Invalid boolean: ${String(v)}`, name);
  };
  const metadataOf = (p: Params): Record<string, string> | undefined => {
    const m = p.metadata;
    if (m === undefined) return undefined;
    if (typeof m !== 'object' || Array.isArray(m)) throw new ParamError('Invalid object', 'metadata');
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
  };

  // --- routes ----------------------------------------------------------------------------------

  app.get(
    '/v1/account',
    handle('account', (p) =>
      one(p, {
        id: accountId,
        object: 'account',
        business_profile: {
          name: 'Beton Demo',
          url: 'https://beton-demo.example',
          support_email: 'billing@beton-demo.example',
        },
        business_type: 'company',
        charges_enabled: true,
        country: 'US',
        created: dataset.billing.products[0]?.created ?? dataset.nowUnix,
        default_currency: 'usd',
        details_submitted: true,
        email: 'billing@beton-demo.example',
        metadata: {},
        payouts_enabled: true,
        settings: { dashboard: { display_name: 'Beton Demo', timezone: 'Etc/UTC' } },
        type: 'standard',
      }),
    ),
  );

  app.get(
    '/v1/balance',
    handle('balance', () => ({
      object: 'balance',
      available: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
      livemode: false,
      pending: [{ amount: 0, currency: 'usd', source_types: { card: 0 } }],
    })),
  );

  app.get(
    '/v1/customers',
    handle('customers', (p) => {
      const email = str(p, 'email');
      return listOf(
        p,
        '/v1/customers',
        store.customers,
        (c) => c.deleted === null && (!email || c.email === email),
        (c) => store.renderCustomer(c),
        'customer',
        (c) => store.customerJson(c),
      );
    }),
  );
  app.get(
    '/v1/customers/:id',
    handle('customers', (p, r) => {
      const c = store.customer(idParam(r));
      return c.deleted !== null
        ? { id: c.id, object: 'customer', deleted: true }
        : one(p, store.renderCustomer(c));
    }),
  );
  app.post(
    '/v1/customers',
    handle('customers', (p) =>
      store.renderCustomer(
        store.createCustomer({ email: str(p, 'email'), name: str(p, 'name'), metadata: metadataOf(p) }),
      ),
    ),
  );
  app.post(
    '/v1/customers/:id',
    handle('customers', (p, r) =>
      store.renderCustomer(
        store.updateCustomer(idParam(r), {
          email: str(p, 'email'),
          name: str(p, 'name'),
          metadata: metadataOf(p),
        }),
      ),
    ),
  );
  app.delete(
    '/v1/customers/:id',
    handle('customers', (_p, r) => {
      const c = store.deleteCustomer(idParam(r));
      return { id: c.id, object: 'customer', deleted: true };
    }),
  );

  const SUBSCRIPTION_STATUSES = [
    'active',
    'past_due',
    'unpaid',
    'canceled',
    'incomplete',
    'incomplete_expired',
    'trialing',
    'paused',
    'all',
    'ended',
  ];
  app.get(
    '/v1/subscriptions',
    handle('subscriptions', (p) => {
      const status = str(p, 'status');
      if (status && !SUBSCRIPTION_STATUSES.includes(status)) {
        throw new ParamError(`Invalid status: must be one of ${SUBSCRIPTION_STATUSES.join(', ')}`, 'status');
      }
      const customer = str(p, 'customer');
      const price = str(p, 'price');
      const keep = (s: (typeof store.subscriptions)[number]) => {
        const v = store.currentVersion(s);
        if (customer && s.customerId !== customer) return false;
        if (price && v.priceId !== price) return false;
        if (!status) return v.status !== 'canceled';
        if (status === 'all') return true;
        if (status === 'ended') return v.status === 'canceled';
        return v.status === status;
      };
      return listOf(
        p,
        '/v1/subscriptions',
        store.subscriptions,
        keep,
        (s) => store.renderSubscription(s),
        'subscription',
        (s) => store.subscriptionJson(s),
      );
    }),
  );
  app.get(
    '/v1/subscriptions/:id',
    handle('subscriptions', (p, r) => one(p, store.renderSubscription(store.subscription(idParam(r))))),
  );
  app.post(
    '/v1/subscriptions',
    handle('subscriptions', (p) => {
      const customer = str(p, 'customer');
      if (!customer) throw new ParamError('Missing required param: customer.', 'customer');
      const items = p.items;
      const first = Array.isArray(items) ? items[0] : undefined;
      if (!first || typeof first !== 'object' || Array.isArray(first) || typeof first.price !== 'string') {
        throw new ParamError('Missing required param: items[0][price].', 'items');
      }
      const quantity = typeof first.quantity === 'string' ? Number(first.quantity) : undefined;
      const trialDays = str(p, 'trial_period_days');
      return store.renderSubscription(
        store.createSubscription({
          customer,
          price: first.price,
          ...(quantity !== undefined ? { quantity } : {}),
          ...(trialDays ? { trialDays: Number(trialDays) } : {}),
        }),
      );
    }),
  );
  app.post(
    '/v1/subscriptions/:id',
    handle('subscriptions', (p, r) => {
      const id = idParam(r);
      const items = p.items;
      const first = Array.isArray(items) ? items[0] : undefined;
      const item = first && typeof first === 'object' && !Array.isArray(first) ? first : undefined;
      const quantityText = typeof item?.quantity === 'string' ? item.quantity : str(p, 'quantity');
      const cancelAt = p.cancel_at;
      return store.renderSubscription(
        store.updateSubscription(id, {
          ...(quantityText !== undefined ? { quantity: Number(quantityText) } : {}),
          ...(typeof item?.price === 'string' ? { price: item.price } : {}),
          ...(p.cancel_at_period_end !== undefined
            ? { cancelAtPeriodEnd: flag(p.cancel_at_period_end, 'cancel_at_period_end')! }
            : {}),
          ...(cancelAt !== undefined ? { cancelAt: cancelAt === '' ? null : Number(cancelAt) } : {}),
        }),
      );
    }),
  );
  app.delete(
    '/v1/subscriptions/:id',
    handle('subscriptions', (_p, r) => store.renderSubscription(store.cancelSubscription(idParam(r)))),
  );

  app.get(
    '/v1/invoices',
    handle('invoices', (p) => {
      const customer = str(p, 'customer');
      const subscription = str(p, 'subscription');
      const status = str(p, 'status');
      return listOf(
        p,
        '/v1/invoices',
        store.invoices,
        (i) =>
          (!customer || i.customerId === customer) &&
          (!subscription || i.subscriptionId === subscription) &&
          (!status || i.status === status),
        (i) => store.renderInvoice(i),
        'invoice',
        (i) => store.invoiceJson(i),
      );
    }),
  );
  app.get(
    '/v1/invoices/:id',
    handle('invoices', (p, r) => one(p, store.renderInvoice(store.invoice(idParam(r))))),
  );

  app.get(
    '/v1/prices',
    handle('prices', (p) => {
      const product = str(p, 'product');
      const active = flag(p.active, 'active');
      return listOf(
        p,
        '/v1/prices',
        store.prices,
        (x) => (!product || x.productId === product) && active !== false,
        (x) => store.renderPrice(x),
        'price',
      );
    }),
  );
  app.get(
    '/v1/prices/:id',
    handle('prices', (p, r) => one(p, store.renderPrice(store.price(idParam(r))))),
  );
  app.get(
    '/v1/products',
    handle('products', (p) =>
      listOf(
        p,
        '/v1/products',
        store.products,
        () => flag(p.active, 'active') !== false,
        (x) => store.renderProduct(x),
        'product',
      ),
    ),
  );
  app.get(
    '/v1/products/:id',
    handle('products', (p, r) => one(p, store.renderProduct(store.product(idParam(r))))),
  );

  const typeMatcher = (p: Params): ((type: string) => boolean) => {
    const single = str(p, 'type');
    const types = list(p, 'types');
    if (single && types.length > 0)
      throw new ParamError('You may only specify one of these parameters: type, types.', 'types');
    if (types.length > 20)
      throw new ParamError('Invalid types: must contain at most 20 event types', 'types');
    const patterns = single ? [single] : types;
    if (patterns.length === 0) return () => true;
    const res = patterns.map(
      (t) => new RegExp(`^${t.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`),
    );
    return (type) => res.some((re) => re.test(type));
  };
  app.get(
    '/v1/events',
    handle('events', (p) => {
      const oldest = clock.nowUnix() - retention;
      const matchType = typeMatcher(p);
      return listOf(
        p,
        '/v1/events',
        store.events,
        (e) => e.created >= oldest && matchType(e.type),
        (e) => store.renderEvent(e),
        'event',
      );
    }),
  );
  app.get(
    '/v1/events/:id',
    handle('events', (_p, r) => {
      const e = store.event(idParam(r));
      if (e.created < clock.nowUnix() - retention)
        throw new StripeError(
          404,
          'invalid_request_error',
          `No such event: '${e.id}'`,
          'resource_missing',
          'id',
        );
      return store.renderEvent(e);
    }),
  );

  app.post(
    '/v1/webhook_endpoints',
    handle('webhook_endpoints', (p) => {
      const url = str(p, 'url');
      if (!url) throw new ParamError('Missing required param: url.', 'url');
      const events = list(p, 'enabled_events');
      const id = addWebhookEndpoint(url, events.length > 0 ? events : ['*']);
      return {
        id,
        object: 'webhook_endpoint',
        url,
        enabled_events: events.length > 0 ? events : ['*'],
        secret: webhookSecret,
        status: 'enabled',
        livemode: false,
        created: clock.nowUnix(),
        metadata: {},
      };
    }),
  );

  // --- webhooks out ----------------------------------------------------------------------------

  const sign = (payload: string, timestamp = Math.floor(Date.now() / 1000)) =>
    `t=${timestamp},v1=${createHmac('sha256', webhookSecret).update(`${timestamp}.${payload}`).digest('hex')}`;

  function addWebhookEndpoint(url: string, events: readonly string[] = ['*']): string {
    const id = `we_1${ids.chars(23)}`;
    endpoints.push({ id, url, events, created: clock.nowUnix() });
    return id;
  }

  store.onEvent((event: StoredEvent) => {
    for (const endpoint of endpoints) {
      if (!endpoint.events.includes('*') && !endpoint.events.includes(event.type)) continue;
      const payload = JSON.stringify(store.renderEvent(event), null, 2);
      deliveries.attempted++;
      fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': sign(payload),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
        signal: AbortSignal.timeout(10_000),
      })
        .then((res) => {
          if (res.ok) deliveries.succeeded++;
          return res.body?.cancel();
        })
        .catch(() => undefined);
    }
  });

  const url = await server.listen(options.port);
  return {
    server,
    url,
    apiKey,
    webhookSecret,
    accountId,
    store,
    clock,
    deliveries,
    rateLimitStorm(requests) {
      storm.left = requests;
    },
    addRestrictedKey(key, resources) {
      keys.set(key, [...resources]);
    },
    addWebhookEndpoint,
    sign,
    close: () => server.close(),
  };
}
