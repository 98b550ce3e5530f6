import type Stripe from 'stripe';
import { cursorPages } from '../paging.js';
import type { Page, StreamDefinition, StreamReadContext } from '../sdk.js';
import type { StripeClient, StripeResourceName, StripeResources } from './client.js';

/** Stripe lists at most 100 objects a page. */
export const STRIPE_PAGE_SIZE = 100;
/** Events are re-read from a little before the cursor, for clock skew and late writes. */
export const EVENT_OVERLAP_SECONDS = 300;
/** Objects re-fetched at once after reading a page of events. */
const REFETCH_CONCURRENCY = 4;
/** Stripe keeps events 30 days; a cursor older than this needs a full re-read. */
export const EVENT_RETENTION_DAYS = 30;

/** Concurrent slices of a full listing: cursor pagination is sequential, slices of `created` are not. */
export const LIST_SLICES = 8;
/** Stripe's first day: nothing in an account is older. */
const STRIPE_EPOCH = Date.UTC(2011, 0, 1) / 1000;

/** One `created` range of a full listing and how far it has been read (newest first). */
export interface ListSlice {
  gte: number | null;
  lt: number | null;
  after: string | null;
  done: boolean;
}

/**
 * Where a stream stands.
 * - `list`: a full pass over the list endpoint in `created` slices read side by side, each
 *   resumable after its last id. `eventsFrom` is when the pass began: the events since then are
 *   read next, so nothing changed during the pass is lost.
 * - `events`: incremental. `since` is the newest event `created` already applied (Stripe's clock);
 *   `pass` is an events pass in progress (resumable after its last event id).
 */
export type StripeStreamState =
  | { phase: 'list'; slices: ListSlice[]; eventsFrom: number; floor?: number }
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

/**
 * Split [account creation, now] into equal `created` ranges; the newest is open above (objects
 * created during the pass land there, or in the events read next) and the oldest open below.
 */
async function initialSlices(
  client: StripeClient,
  ctx: StreamReadContext,
): Promise<{ slices: ListSlice[]; floor: number }> {
  const now = Math.floor(ctx.clock.now().getTime() / 1000);
  const floor = Math.min((await client.accountCreated()) ?? STRIPE_EPOCH, now - 86_400);
  const bounds = Array.from({ length: LIST_SLICES - 1 }, (_, k) =>
    Math.floor(floor + ((now - floor) * (k + 1)) / LIST_SLICES),
  );
  const slices = Array.from({ length: LIST_SLICES }, (_, k) => ({
    gte: k === 0 ? null : bounds[k - 1]!,
    lt: k === LIST_SLICES - 1 ? null : bounds[k]!,
    after: null,
    done: false,
  }));
  return { slices, floor };
}

/**
 * Objects are rarely spread evenly over time, so some slices end early. While fewer than
 * LIST_SLICES are unfinished, a slice whose page just arrived (so none of its requests is in
 * flight) hands the older half of what it has left to a new slice: every request slot stays busy
 * to the end of the pass. Its next page starts after `oldest` (newest first), so the halves are
 * [gte, mid) and [mid, oldest].
 */
function splitSlice(
  slice: ListSlice,
  page: readonly { created?: number }[],
  floor: number | undefined,
): ListSlice | null {
  const newest = page[0]?.created;
  const oldest = page[page.length - 1]?.created;
  const low = slice.gte ?? floor;
  if (low === undefined || newest === undefined || oldest === undefined || oldest - low < 2) return null;
  // Only when, at this page's density, each half would still fill two pages: a split costs a
  // part-filled last page, and at the rate limit every request counts.
  const left = (page.length * (oldest - low)) / Math.max(1, newest - oldest);
  if (left < 4 * STRIPE_PAGE_SIZE) return null;
  const mid = Math.floor((low + oldest) / 2);
  const older: ListSlice = { gte: slice.gte, lt: mid, after: null, done: false };
  slice.gte = mid;
  return older;
}

type SliceResult<T> = { index: number; page?: { data: T[]; has_more: boolean }; error?: unknown };

/**
 * How many slices a listing needs in flight to keep the rate budget busy: the requests a second
 * allowed times how long one takes, with a margin. A split costs a part-filled page (a request
 * that brings fewer than 100 objects), so slices are split only while fewer than that are left;
 * under a tight limit two or three slices already fill the budget. Unlimited: LIST_SLICES.
 * A request's time is estimated by the quickest of the recent ones (one that waited for no token).
 */
class SlotsWanted {
  private readonly recent: number[] = [];

  constructor(private readonly perSecond: number | undefined) {}

  timed<T>(request: Promise<T>): Promise<T> {
    const started = performance.now();
    return request.then((answer) => {
      this.recent.push(performance.now() - started);
      if (this.recent.length > 16) this.recent.shift();
      return answer;
    });
  }

  wanted(): number {
    if (this.perSecond === undefined || this.recent.length === 0) return LIST_SLICES;
    const seconds = Math.min(...this.recent) / 1000;
    return Math.min(LIST_SLICES, Math.max(2, Math.ceil(this.perSecond * seconds * 1.5) + 1));
  }
}

async function* listPass<K extends StripeResourceName>(
  client: StripeClient,
  resource: K,
  listParams: Record<string, unknown>,
  state: Extract<StripeStreamState, { phase: 'list' }> | null,
  ctx: StreamReadContext,
): AsyncGenerator<Page<StripeResources[K], StripeStreamState>> {
  const eventsFrom =
    state?.eventsFrom ?? Math.floor(ctx.clock.now().getTime() / 1000) - EVENT_OVERLAP_SECONDS;
  const initial = state ? null : await initialSlices(client, ctx);
  const slices: ListSlice[] = state?.slices?.map((x) => ({ ...x })) ?? initial!.slices;
  const floor = state ? state.floor : initial!.floor;
  const fetchSlice = (index: number): Promise<SliceResult<StripeResources[K]>> => {
    const slice = slices[index]!;
    const created = {
      ...(slice.gte !== null ? { gte: slice.gte } : {}),
      ...(slice.lt !== null ? { lt: slice.lt } : {}),
    };
    return client
      .list(resource, {
        ...listParams,
        limit: STRIPE_PAGE_SIZE,
        ...(Object.keys(created).length > 0 ? { created } : {}),
        ...(slice.after ? { starting_after: slice.after } : {}),
      })
      .then(
        (page) => ({ index, page }),
        (error: unknown) => ({ index, error }),
      );
  };
  // Every unfinished slice has one request in flight; the rate budget paces them together.
  const inflight = new Map<number, Promise<SliceResult<StripeResources[K]>>>();
  const slots = new SlotsWanted(client.requestsPerSecond);
  const issue = (index: number) => inflight.set(index, slots.timed(fetchSlice(index)));
  slices.forEach((slice, index) => {
    if (!slice.done) issue(index);
  });
  if (inflight.size === 0) {
    yield { records: [], state: { phase: 'events', since: eventsFrom }, done: true };
    return;
  }
  while (inflight.size > 0) {
    ctx.signal.throwIfAborted();
    const result = await Promise.race(inflight.values());
    inflight.delete(result.index);
    if (result.error !== undefined) throw result.error;
    const page = result.page!;
    const slice = slices[result.index]!;
    const last = page.data[page.data.length - 1] as { id: string } | undefined;
    slice.done = !page.has_more || !last;
    if (last) slice.after = last.id;
    if (!slice.done) {
      const older =
        inflight.size + 1 < slots.wanted()
          ? splitSlice(slice, page.data as readonly { created?: number }[], floor)
          : null;
      if (older) {
        // A finished slice's place is reused: the state stays LIST_SLICES long.
        const free = slices.findIndex((x) => x.done);
        const index = free >= 0 ? free : slices.length;
        slices[index] = older;
        issue(index);
      }
      issue(result.index);
    }
    if (inflight.size === 0) {
      yield { records: page.data, state: { phase: 'events', since: eventsFrom }, done: true };
      return;
    }
    const listState = { phase: 'list' as const, slices: slices.map((x) => ({ ...x })), eventsFrom, floor };
    yield { records: page.data, state: listState };
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
  let newest = state.pass?.newest ?? state.since;
  for await (const page of cursorPages({
    what: 'events starting_after',
    ...(state.pass?.after ? { start: state.pass.after } : {}),
    fetch: async (after) => {
      const answer = await client.events({
        ...(feed.types ? { types: feed.types } : {}),
        ...(feed.type ? { type: feed.type } : {}),
        created: { gte: from },
        limit: STRIPE_PAGE_SIZE,
        ...(after ? { starting_after: after } : {}),
      });
      return { items: answer.data, next: answer.has_more ? answer.data.at(-1)?.id : null };
    },
    signal: ctx.signal,
  })) {
    for (const event of page.items) newest = Math.max(newest, event.created);
    const ids = [...new Set(page.items.map((e) => objectIdOf(e)).filter((id): id is string => id !== null))];
    const records: StripeResources[K][] = [];
    const deletedIds: string[] = [];
    // A few re-fetches at once; the rate budget paces them.
    for (let k = 0; k < ids.length; k += REFETCH_CONCURRENCY) {
      ctx.signal.throwIfAborted();
      const batch = ids.slice(k, k + REFETCH_CONCURRENCY);
      const found = await Promise.all(batch.map((id) => client.retrieve(resource, id)));
      found.forEach((current, i) => {
        if (current === null) deletedIds.push(batch[i]!);
        else records.push(current);
      });
    }
    if (page.next === null) {
      yield { records, deletedIds, state: { phase: 'events', since: newest }, done: true };
      return;
    }
    yield {
      records,
      deletedIds,
      state: { phase: 'events', since: state.since, pass: { from, after: page.next, newest } },
    };
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
    // A `cursor: 'none'` stream gets no repeat check from the engine: the helper guards the pages.
    for await (const page of cursorPages({
      what: 'prices starting_after',
      ...(state?.after ? { start: state.after } : {}),
      fetch: async (after) => {
        const answer = await client.list('prices', {
          limit: STRIPE_PAGE_SIZE,
          expand: ['data.product'],
          ...(after ? { starting_after: after } : {}),
        });
        return { items: answer.data, next: answer.has_more ? answer.data.at(-1)?.id : null };
      },
      signal: ctx.signal,
    })) {
      if (page.next === null) {
        yield { records: page.items, state: { after: page.items.at(-1)?.id ?? '' }, done: true };
      } else {
        yield { records: page.items, state: { after: page.next } };
      }
    }
  },
};
