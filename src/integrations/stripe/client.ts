import Stripe from 'stripe';
import { type HttpClient, HttpError, NotFoundError, PermissionError } from '../../core/http/index.js';

/**
 * Stripe through the official SDK, with every request carried by Beton's HttpClient: the SDK builds
 * paths, parameters and typed answers; Beton's client adds the base URL, the SSRF guard, the
 * credential's shared rate budget, retries (429, 5xx, network) and typed errors that never carry
 * the key. The SDK's own retries are off so nothing is retried twice.
 */
class BudgetedHttpClient extends Stripe.HttpClient {
  constructor(private readonly http: HttpClient) {
    super();
  }

  override getClientName(): string {
    return 'beton';
  }

  override async makeRequest(
    _host: string,
    _port: string,
    path: string,
    method: string,
    headers: Record<string, string | number | string[]>,
    requestData: string,
    _protocol: string,
    timeout: number,
  ): Promise<InstanceType<typeof Stripe.HttpClientResponse>> {
    if (method.toUpperCase() !== 'GET' || requestData) {
      throw new Error('Beton only reads from Stripe; it never sends changes.');
    }
    const version = headers['Stripe-Version'];
    const response = await this.http.request<unknown>({
      method: 'GET',
      path,
      ...(typeof version === 'string' ? { headers: { 'stripe-version': version } } : {}),
      ...(timeout > 0 ? { timeoutMs: timeout } : {}),
    });
    return new JsonResponse(response.status, response.headers, response.data);
  }
}

class JsonResponse extends Stripe.HttpClientResponse {
  private readonly raw: Record<string, unknown> = {};

  constructor(
    status: number,
    headers: Headers,
    private readonly body: unknown,
  ) {
    super(status, Object.fromEntries(headers.entries()));
  }

  override getRawResponse(): unknown {
    return this.raw;
  }

  override toStream(): never {
    throw new Error('Streaming answers are not used by Beton.');
  }

  override toJSON(): Promise<unknown> {
    return Promise.resolve(this.body);
  }
}

export type ListParams = { limit?: number; starting_after?: string; expand?: string[] } & Record<
  string,
  unknown
>;

/** Stripe's list answer as Beton uses it. */
export interface StripeList<T> {
  data: T[];
  has_more: boolean;
}

/** The resources Beton reads, each with the SDK's own types. */
export interface StripeResources {
  customers: Stripe.Customer;
  subscriptions: Stripe.Subscription;
  invoices: Stripe.Invoice;
  prices: Stripe.Price;
}

export type StripeResourceName = keyof StripeResources;

/**
 * The only code that speaks Stripe. Read-only: Beton never writes to Stripe.
 *
 * @example
 * const client = new StripeClient(http, apiKey, 'https://api.stripe.com');
 * const page = await client.list('customers', { limit: 100 });
 * const events = await client.events({ type: 'customer.subscription.*', created: { gte: since } });
 */
export class StripeClient {
  readonly sdk: Stripe;
  private created: Promise<number | null> | undefined;

  constructor(
    private readonly http: HttpClient,
    apiKey: string,
  ) {
    const base = http.baseUrl;
    const port = base.port ? Number(base.port) : base.protocol === 'http:' ? 80 : 443;
    this.sdk = new Stripe(apiKey, {
      host: base.hostname,
      port,
      protocol: base.protocol === 'http:' ? 'http' : 'https',
      maxNetworkRetries: 0,
      httpClient: new BudgetedHttpClient(http),
      telemetry: false,
      appInfo: { name: 'Beton', url: 'https://github.com/beton' },
    });
  }

  /** Who the key belongs to; restricted keys often may not read the account, so fall back. */
  async whoAmI(): Promise<{ label: string; accountId: string | null; restricted: boolean }> {
    try {
      const account = await this.call(() => this.sdk.accounts.retrieveCurrent());
      const name =
        account.settings?.dashboard?.display_name ??
        account.business_profile?.name ??
        account.email ??
        account.id;
      return { label: `${name} (${account.id})`, accountId: account.id, restricted: false };
    } catch (error) {
      if (!(error instanceof PermissionError)) throw error;
      await this.list('customers', { limit: 1 });
      return { label: 'Stripe account (restricted key)', accountId: null, restricted: true };
    }
  }

  /** Requests a second this client's rate budget allows (undefined: unlimited). */
  get requestsPerSecond(): number | undefined {
    return this.http.budget?.limits.perSecond;
  }

  /**
   * When the Stripe account was created (unix seconds), or null when the key may not read the
   * account. Asked once per client: each stream's full listing starts from it, and at the rate
   * limit a repeated request costs a page.
   */
  accountCreated(): Promise<number | null> {
    this.created ??= this.readAccountCreated();
    this.created.catch(() => {
      this.created = undefined;
    });
    return this.created;
  }

  private async readAccountCreated(): Promise<number | null> {
    try {
      const account = await this.call(() => this.sdk.accounts.retrieveCurrent());
      return typeof account.created === 'number' ? account.created : null;
    } catch (error) {
      if (error instanceof PermissionError) return null;
      throw error;
    }
  }

  /** One page of a list, newest first. */
  list<K extends StripeResourceName>(
    resource: K,
    params: ListParams,
  ): Promise<StripeList<StripeResources[K]>> {
    const api = this.sdk[resource] as unknown as {
      list(p: ListParams): Promise<StripeList<StripeResources[K]>>;
    };
    return this.call(() => api.list(params));
  }

  /** One object by id; `null` when Stripe no longer has it (404) or it was deleted. */
  async retrieve<K extends StripeResourceName>(resource: K, id: string): Promise<StripeResources[K] | null> {
    const api = this.sdk[resource] as unknown as {
      retrieve(id: string): Promise<StripeResources[K] | { deleted: true }>;
    };
    try {
      const found = await this.call(() => api.retrieve(id));
      return (found as { deleted?: boolean }).deleted ? null : (found as StripeResources[K]);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  /** One page of events, newest first (Stripe keeps 30 days of them). */
  events(params: Stripe.EventListParams): Promise<StripeList<Stripe.Event>> {
    return this.call(() => this.sdk.events.list(params));
  }

  /** Unwrap Beton's typed HTTP error from the SDK's connection error, so callers see the real cause. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const detail = (error as { detail?: unknown }).detail;
      if (detail instanceof HttpError) throw detail;
      if (error instanceof HttpError) throw error;
      throw error;
    }
  }
}
