/**
 * The `enrichment` capability: companies looked up by domain (firmographics), paid for in credits.
 * The platform runs it (src/enrichment): it collects the accounts' domains, asks only for those
 * without a fresh cached answer, `batchSize` at a time, never past the workspace's monthly credit
 * cap, and caches each answer with the credits it cost in one transaction. What an answer means
 * (industry, head count, …) is the integration's `facts.firmographics`.
 *
 * @example
 * enrichment: {
 *   description: 'Company firmographics by domain.',
 *   batchSize: 25,
 *   credits: { perFound: 1, perNotFound: 0 },
 *   defaultFreshnessDays: 30,
 *   normalizeDomain: (raw) => raw.trim().toLowerCase().replace(/^www\./, ''),
 *   budget: (settings) => ({ monthlyCreditCap: settings.monthlyCreditCap, freshnessDays: settings.freshnessDays }),
 *   lookup: (client, domains, signal) => client.companiesByDomain(domains, signal),
 * }
 */
// biome-ignore lint/suspicious/noExplicitAny: the client and settings types differ per integration.
export interface EnrichmentCapability<TClient = any, TSettings = any> {
  /** What a lookup returns, for the docs. */
  description: string;
  /** Most domains one lookup call takes. */
  batchSize: number;
  /**
   * The credit model: what one domain costs when the provider knows the company, and when it does
   * not. The platform counts what it spends (per workspace and calendar month, UTC), so a cap holds
   * even where the provider's API does not report the balance.
   */
  credits: { perFound: number; perNotFound: number };
  /** Days an answer stays fresh when the connection does not set it: no credit is spent again inside. */
  defaultFreshnessDays: number;
  /** The bare domain the provider matches on (`acme.com` from `https://www.Acme.com/about`). */
  normalizeDomain(raw: string): string;
  /** The connection's settings that govern spending (parsed with the integration's own schema). */
  budget(settings: TSettings): EnrichmentBudget;
  /**
   * Look up at most `batchSize` domains (already normalised). The answer maps every domain asked
   * to the provider's company record, or null when it does not know the company.
   */
  lookup(client: TClient, domains: readonly string[], signal?: AbortSignal): Promise<Map<string, unknown>>;
  /**
   * How a provider's error ends a run: the error to show (one that says what to do — e.g. the
   * plan does not include the API), and whether it is a temporary stop (a spent rate window) that
   * leaves the run `partial` rather than `failed` when some answers were paid for. Default: the
   * error as it is, `failed`.
   */
  describeFailure?(error: unknown): EnrichmentFailure;
}

/** Spending limits of one connection. */
export interface EnrichmentBudget {
  /** Most credits a calendar month (UTC) may spend; undefined = no cap. */
  monthlyCreditCap?: number | undefined;
  freshnessDays?: number | undefined;
}

export interface EnrichmentFailure {
  error: unknown;
  /** True when running again later carries on (a rate window), so answers so far make it `partial`. */
  temporary: boolean;
}
