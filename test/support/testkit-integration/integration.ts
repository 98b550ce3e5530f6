import { z } from 'zod';
import type { HttpClient, RateLimit } from '../../../src/core/http/index.js';
import { baseUrlSetting, cursorGuard, defineIntegration, secret } from '../../../src/integrations/index.js';
import type { TestkitItem } from './simulator.js';

/**
 * `testkit`: the integration the framework's tests and benchmarks run against its simulator. Written
 * the way a real integration is: a client that is the only code speaking the API, a definition, one
 * stream with a full pass by `next` links and an incremental pass by change feed.
 */
export class TestkitClient {
  constructor(
    private readonly http: HttpClient,
    readonly pageSize: number,
  ) {}

  async me(): Promise<{ account: { id: string; name: string } }> {
    return this.http.get('/v1/me');
  }

  async count(): Promise<number> {
    return (await this.http.get<{ count: number }>('/v1/items/count')).count;
  }

  /** One page of the list; `next` is an absolute link or null. */
  async itemsPage(
    next: string | null,
    signal: AbortSignal,
  ): Promise<{ data: TestkitItem[]; next: string | null; seq: number }> {
    return next
      ? this.http.get(next, undefined, signal)
      : this.http.get('/v1/items', { limit: this.pageSize }, signal);
  }

  async changes(
    since: number,
    signal: AbortSignal,
  ): Promise<{
    data: Array<
      { seq: number; type: 'updated'; item: TestkitItem } | { seq: number; type: 'deleted'; id: string }
    >;
    has_more: boolean;
  }> {
    return this.http.get('/v1/changes', { since, limit: this.pageSize }, signal);
  }
}

type ItemsState =
  | { phase: 'list'; next: string | null; startSeq: number }
  | { phase: 'changes'; since: number };

const itemSchema = z.object({
  id: z.string(),
  name: z.string(),
  value: z.number(),
  tags: z.array(z.string()),
  updated_seq: z.number(),
});

export function makeTestkit(opts: { rateLimit?: RateLimit; fullRefreshAfterDays?: number } = {}) {
  return defineIntegration({
    name: 'testkit',
    displayName: 'Testkit',
    description: 'A stand-in service for testing the integration framework.',
    category: 'other',
    roles: ['source'],
    docs: {
      keyUrl: 'https://testkit.invalid/keys',
      scopes: ['items:read'],
      setup: 'docs/adding-an-integration.md',
    },
    credentials: z.object({ apiKey: secret(z.string().min(8, 'at least 8 characters')) }),
    settings: z.object({
      baseUrl: baseUrlSetting('https://api.testkit.invalid'),
      pageSize: z.coerce.number().int().min(1).max(5000).optional(),
    }),
    rateLimit: opts.rateLimit ?? { perSecond: 1000 },
    defaultBaseUrl: 'https://api.testkit.invalid',
    auth: (credentials) => ({ authorization: `Bearer ${credentials.apiKey}` }),
    client: (ctx) => new TestkitClient(ctx.http, ctx.settings.pageSize ?? 100),
    validate: async (client) => {
      const me = await client.me();
      return { accountLabel: `${me.account.name} (${me.account.id})` };
    },
    health: async (client) => ({ status: 'ok', details: { items: await client.count() } }),
    streams: {
      items: {
        description: 'Every item; full pass by `next` links, then changes by sequence number.',
        primaryKey: 'id',
        cursor: 'cursor',
        schema: itemSchema,
        ...(opts.fullRefreshAfterDays !== undefined
          ? { fullRefreshAfterDays: opts.fullRefreshAfterDays }
          : {}),
        read: async function* (client, state: ItemsState | null, ctx) {
          if (state === null || state.phase === 'list') {
            const seen = cursorGuard('items next link');
            let next = state?.next ?? null;
            let startSeq = state?.startSeq;
            do {
              if (next) seen(next);
              const page = await client.itemsPage(next, ctx.signal);
              startSeq ??= page.seq;
              next = page.next;
              yield {
                records: page.data,
                state: next
                  ? { phase: 'list' as const, next, startSeq }
                  : { phase: 'changes' as const, since: startSeq },
              };
            } while (next);
            return;
          }
          let since = state.since;
          for (;;) {
            const page = await client.changes(since, ctx.signal);
            if (page.data.length === 0) return;
            since = page.data[page.data.length - 1]!.seq;
            yield {
              records: page.data.flatMap((c) => (c.type === 'updated' ? [c.item] : [])),
              deletedIds: page.data.flatMap((c) => (c.type === 'deleted' ? [c.id] : [])),
              state: { phase: 'changes' as const, since },
            };
            if (!page.has_more) return;
          }
        },
        reconcile: (client) => client.count(),
      },
    },
  });
}

export const testkit = makeTestkit();
export type Testkit = ReturnType<typeof makeTestkit>;
