import type Stripe from 'stripe';
import type { Page, StreamDefinition, StreamReadContext } from '../sdk.js';
import type { StripeClient, StripeResourceName, StripeResources } from './client.js';

/** Stripe lists at most 100 objects a page. */
export const STRIPE_PAGE_SIZE = 100;
/** Events are re-read from a little before the cursor, for clock skew and late writes. */
export const EVENT_OVERLAP_SECONDS = 300;
/** Stripe keeps events 30 days; a cursor older than this needs a full re-read. */
export const EVENT_RETENTION_DAYS = 30;

/**
 * Where a stream stands.
 * - `list`: a full pass over the list endpoint, resumable after the last id read. `eventsFrom` is
 *   when the pass began: the events since then are read next, so nothing changed during the pass is lost.
 * - `events`: incremental. `since` is the newest event `created` already applied (Stripe's clock);
 *   `pass` is an events pass in progress (resumable after its last event id).
 */
export type StripeStreamState =
  | { phase: 'list'; after: string | null; eventsFrom: number }
  | { phase: 'events'; since: number; pass?: { from: number; after: string; newest: number } };

interface ChangeFeed {
  /** `types[]` (exact names) or one `type` with a wildcard. */
  types?: string[];
  type?: string;
}

/**
 * A Stripe stream: a full pass over the list endpoint the first time (and whenever the cursor is
 * older than Stripe's 30-day event retention), then `/v1/events` since the cursor with an overlap,
 * re-fetching each object an event names (so the record is its current state, and a deleted one is
 * marked deleted). List filters only see `created`, so updates to old objects come from events alone.
 */
function eventSourcedStream<K extends StripeResourceName>(
  resource: K,
  description: string,
  listParams: Record<string, unknown>,
  feed: ChangeFeed,
): StreamDefinition<StripeClient, StripeResources[K], StripeStreamState> {
  return {
    description,
    primaryKey: 'id' as keyof StripeResources[K] & string,
    cursor: 'timestamp',
    // The engine starts over when the committed cursor is older than the events Stripe still has.
    fullRefreshAfterDays: EVENT_RETENTION_DAYS - 1,
    deletes: 'full-refresh',
    async *read(client, state, ctx) {
      if (state === null || state.phase === 'list') {
        yield* listPass(client, resource, listParams, state, ctx);
        return;
      }
      yield* eventsPass(client, resource, feed, state, ctx);
    },
  };
}

async function* listPass<K extends StripeResourceName>(
  client: StripeClient,
  resource: K,
  listParams: Record<string, unknown>,
  state: Extract<StripeStreamState, { phase: 'list' }> | null,
  ctx: StreamReadContext,
): AsyncGenerator<Page<StripeResources[K], StripeStreamState>> {
  const eventsFrom = state?.eventsFrom ?? Math.floor(ctx.clock.now().getTime() / 1000) - EVENT_OVERLAP_SECONDS;
  let after = state?.after ?? null;
  for (;;) {
    ctx.signal.throwIfAborted();
    const page = await client.list(resource, {
      ...listParams,
      limit: STRIPE_PAGE_SIZE,
      ...(after ? { starting_after: after } : {}),
    });
    const last = page.data[page.data.length - 1] as { id: string } | undefined;
    if (!page.has_more || !last) {
      yield { records: page.data, state: { phase: 'events', since: eventsFrom }, done: true };
      return;
    }
    after = last.id;
    yield { records: page.data, state: { phase: 'list', after, eventsFrom } };
  }
}

async function* eventsPass<K extends StripeResourceName>(
  client: StripeClient,
  resource: K,
  feed: ChangeFeed,
  state: Extract<StripeStreamState, { phase: 'events' }>,
  ctx: StreamReadContext,
): AsyncGenerator<Page<StripeResources[K], StripeStreamState>> {
  const from = state.pass?.from ?? state.since - EVENT_OVERLAP_SECONDS;
  let after = state.pass?.after;
  let newest = state.pass?.newest ?? state.since;
  for (;;) {
    ctx.signal.throwIfAborted();
    const page = await client.events({
      ...(feed.types ? { types: feed.types } : {}),
      ...(feed.type ? { type: feed.type } : {}),
      created: { gte: from },
      limit: STRIPE_PAGE_SIZE,
      ...(after ? { starting_after: after } : {}),
    });
    for (const event of page.data) newest = Math.max(newest, event.created);
    const ids = [...new Set(page.data.map((e) => objectIdOf(e)).filter((id): id is string => id !== null))];
    const records: StripeResources[K][] = [];
    const deletedIds: string[] = [];
    for (const id of ids) {
      ctx.signal.throwIfAborted();
      const current = await client.retrieve(resource, id);
      if (current === null) deletedIds.push(id);
      else records.push(current);
    }
    const last = page.data[page.data.length - 1];
    if (!page.has_more || !last) {
      yield { records, deletedIds, state: { phase: 'events', since: newest }, done: true };
      return;
    }
    after = last.id;
    yield { records, deletedIds, state: { phase: 'events', since: state.since, pass: { from, after, newest } } };
  }
}

function objectIdOf(event: Stripe.Event): string | null {
  const object = event.data?.object as { id?: unknown } | undefined;
  return typeof object?.id === 'string' ? object.id : null;
}

export const customersStream = eventSourcedStream(
  'customers',
  'Every customer (email, name, metadata.domain); deleted customers are marked deleted.',
  {},
  { types: ['customer.created', 'customer.updated', 'customer.deleted'] },
);

export const subscriptionsStream = eventSourcedStream(
  'subscriptions',
  'Every subscription, canceled ones included (status=all): seats (quantity), price, trial, scheduled cancellation, periods.',
  { status: 'all' },
  { type: 'customer.subscription.*' },
);

export const invoicesStream = eventSourcedStream(
  'invoices',
  'Every invoice with its lines: amounts paid, status, the subscription it bills.',
  {},
  { type: 'invoice.*' },
);

/**
 * Prices with their product expanded (name, plan metadata). A catalogue is small, so every run reads
 * it whole; a price Stripe no longer lists is marked deleted.
 */
export const pricesStream: StreamDefinition<StripeClient, Stripe.Price, { after: string }> = {
  description: 'The price catalogue, each with its product (name, metadata.plan, metadata.seat_limit).',
  primaryKey: 'id',
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, state, ctx) {
    let after = state?.after;
    for (;;) {
      ctx.signal.throwIfAborted();
      const page = await client.list('prices', {
        limit: STRIPE_PAGE_SIZE,
        expand: ['data.product'],
        ...(after ? { starting_after: after } : {}),
      });
      const last = page.data[page.data.length - 1];
      if (!page.has_more || !last) {
        yield { records: page.data, state: { after: last?.id ?? '' }, done: true };
        return;
      }
      after = last.id;
      yield { records: page.data, state: { after } };
    }
  },
};
