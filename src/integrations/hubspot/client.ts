import {
  type HttpClient,
  type RateBudget,
  RateLimitedError,
  type RequestOptions,
} from '../../core/http/index.js';
import { sleep } from '../../core/http/retry.js';
import type * as Api from './types.js';

/** HubSpot answers at most 100 objects a list page, 200 a search page, 100 inputs a batch. */
export const LIST_LIMIT = 100;
export const SEARCH_LIMIT = 200;
export const BATCH_LIMIT = 100;
/** One search query returns at most this many results in all; paging past it answers 400. */
export const SEARCH_CAP = 10_000;
/** HubSpot's object type id of companies (lists name object types by id). */
const COMPANY_OBJECT_TYPE = '0-2';
/** A 429 without `Retry-After` or interval header: wait out HubSpot's whole rolling window. */
const DEFAULT_WINDOW_MS = 10_000;
/** A lane's 429s in a row before the call gives up (the run fails and resumes next time). */
const MAX_RATE_LIMITED = 8;

export interface HubspotLanes {
  /** The token's 10-second window (every call but search). */
  general: RateBudget;
  /** The search endpoints' own limit. */
  search: RateBudget;
}

/**
 * HubSpot's CRM API (https://developers.hubspot.com/docs/api/crm) through Beton's HTTP client. Every
 * call takes a place in its lane's rolling-window budget first; a 429 is answered here, not by the generic
 * retry: HubSpot may send no `Retry-After`, so the lane (and the credential's budget) pauses for the
 * `Retry-After`, else the window the `X-HubSpot-RateLimit-Interval-Milliseconds` header names, else
 * 10 s — no request goes out before the window allows it.
 *
 * @example
 * const hubspot = new HubspotClient(http, lanes);
 * const page = await hubspot.list('companies', ['domain', 'name'], undefined);
 */
export class HubspotClient {
  /** Write calls answered (batch writes, property and group creation). */
  writes = 0;

  constructor(
    readonly http: HttpClient,
    private readonly lanes: HubspotLanes,
  ) {}

  private async send<T>(req: RequestOptions, lane: keyof HubspotLanes, write = false): Promise<T> {
    const window = this.lanes[lane];
    for (let refused = 0; ; refused++) {
      const answer = await window.run(
        () => this.http.request<T | Api.HubspotError>({ ...req, accept: [...(req.accept ?? []), 429] }),
        req.signal,
      );
      if (answer.status !== 429) {
        if (write) this.writes += 1;
        return answer.data as T;
      }
      const waitMs = waitOf(answer.headers, lane);
      const message = (answer.data as Api.HubspotError | null)?.message;
      if (refused + 1 >= MAX_RATE_LIMITED) throw new RateLimitedError('hubspot', waitMs, message);
      window.pauseFor(waitMs);
      this.http.budget?.pauseFor(waitMs);
      await sleep(waitMs, req.signal);
    }
  }

  private get<T>(path: string, query: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
    return this.send<T>({ path, ...(query ? { query } : {}), ...(signal ? { signal } : {}) }, 'general');
  }

  /** A read sent as POST (batch read): safe to retry on 5xx. */
  private read<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.send<T>(
      { method: 'POST', path, body, idempotent: true, ...(signal ? { signal } : {}) },
      path.endsWith('/search') ? 'search' : 'general',
    );
  }

  /** The portal the token belongs to. */
  accountDetails(signal?: AbortSignal): Promise<Api.HubspotAccountDetails> {
    return this.get('/account-info/v3/details', undefined, signal);
  }

  /**
   * A cheap read of one object type, answering the 401/403 instead of throwing: what the key check
   * uses to name every missing scope at once.
   */
  async probe(
    path: string,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: Api.HubspotError | Api.HubspotPage<unknown> }> {
    const answer = await this.lanes.general.run(
      () =>
        this.http.request<Api.HubspotError | Api.HubspotPage<unknown>>({
          path,
          query: { limit: 1 },
          accept: [401, 403],
          ...(signal ? { signal } : {}),
        }),
      signal,
    );
    return { status: answer.status, body: answer.data };
  }

  /** One page of a full listing, oldest id first (`after` from `paging.next.after`). */
  list(
    type: Api.HubspotObjectType,
    properties: readonly string[],
    after: string | undefined,
    opts: { associations?: string[]; signal?: AbortSignal } = {},
  ): Promise<Api.HubspotPage<Api.HubspotObject>> {
    return this.get(
      `/crm/v3/objects/${type}`,
      {
        limit: LIST_LIMIT,
        archived: false,
        properties: properties.join(','),
        ...(opts.associations?.length ? { associations: opts.associations.join(',') } : {}),
        ...(after ? { after } : {}),
      },
      opts.signal,
    );
  }

  /** One page of a search (at most 10,000 results a query: see SEARCH_CAP). */
  search(
    type: Api.HubspotObjectType,
    query: Api.HubspotSearch,
    signal?: AbortSignal,
  ): Promise<Api.HubspotPage<Api.HubspotObject>> {
    return this.read(`/crm/v3/objects/${type}/search`, query, signal);
  }

  /** Objects by id (or by a unique property), with their properties' history when asked. */
  async batchRead(
    type: Api.HubspotObjectType,
    ids: readonly string[],
    opts: { properties: readonly string[]; propertiesWithHistory?: readonly string[]; signal?: AbortSignal },
  ): Promise<Api.HubspotObject[]> {
    if (ids.length === 0) return [];
    const answer = await this.read<Api.HubspotBatchAnswer>(
      `/crm/v3/objects/${type}/batch/read`,
      {
        inputs: ids.map((id) => ({ id })),
        properties: opts.properties,
        ...(opts.propertiesWithHistory ? { propertiesWithHistory: opts.propertiesWithHistory } : {}),
      },
      opts.signal,
    );
    return answer.results;
  }

  /** Update objects by id (≤ 100): 200, or 207 naming the inputs that failed. */
  batchUpdate(
    type: Api.HubspotObjectType,
    inputs: readonly { id: string; properties: Record<string, string> }[],
    signal?: AbortSignal,
  ): Promise<Api.HubspotBatchAnswer> {
    return this.send(
      {
        method: 'POST',
        path: `/crm/v3/objects/${type}/batch/update`,
        body: { inputs },
        idempotent: true,
        ...(signal ? { signal } : {}),
      },
      'general',
      true,
    );
  }

  /**
   * Create objects (≤ 100): 201, or 207 naming the inputs that failed. Not retried on 5xx (a retry
   * could create twice); the push's next run reads the domain again before creating.
   */
  batchCreate(
    type: Api.HubspotObjectType,
    inputs: readonly { properties: Record<string, string> }[],
    signal?: AbortSignal,
  ): Promise<Api.HubspotBatchAnswer> {
    return this.send(
      {
        method: 'POST',
        path: `/crm/v3/objects/${type}/batch/create`,
        body: { inputs },
        ...(signal ? { signal } : {}),
      },
      'general',
      true,
    );
  }

  /** Company↔X links of up to 1,000 companies (`POST /crm/v4/associations/{from}/{to}/batch/read`). */
  associations(
    from: Api.HubspotObjectType,
    to: Api.HubspotObjectType,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<Api.HubspotAssociationBatch> {
    return this.read(
      `/crm/v4/associations/${from}/${to}/batch/read`,
      { inputs: ids.map((id) => ({ id })) },
      signal,
    );
  }

  /** One page of owners. */
  owners(after: string | undefined, signal?: AbortSignal): Promise<Api.HubspotPage<Api.HubspotOwner>> {
    return this.get('/crm/v3/owners', { limit: LIST_LIMIT, ...(after ? { after } : {}) }, signal);
  }

  /** Every property of an object type. */
  async properties(type: Api.HubspotObjectType, signal?: AbortSignal): Promise<Api.HubspotProperty[]> {
    return (
      await this.get<{ results: Api.HubspotProperty[] }>(`/crm/v3/properties/${type}`, undefined, signal)
    ).results;
  }

  /** Create a property group; one that exists (409) counts as ensured. */
  ensureGroup(
    type: Api.HubspotObjectType,
    group: { name: string; label: string },
    signal?: AbortSignal,
  ): Promise<{ created: boolean }> {
    return this.createOnce(`/crm/v3/properties/${type}/groups`, group, signal);
  }

  /** Create a property; one that exists (409) counts as ensured. */
  ensureProperty(
    type: Api.HubspotObjectType,
    property: Omit<Api.HubspotProperty, 'description'> & { description?: string },
    signal?: AbortSignal,
  ): Promise<{ created: boolean }> {
    return this.createOnce(`/crm/v3/properties/${type}`, property, signal);
  }

  private async createOnce(path: string, body: unknown, signal?: AbortSignal): Promise<{ created: boolean }> {
    const answer = await this.send<{ status?: string; category?: string; message?: string } | null>(
      { method: 'POST', path, body, idempotent: true, accept: [409], ...(signal ? { signal } : {}) },
      'general',
      true,
    );
    return { created: !(answer && answer.status === 'error' && answer.category === 'CONFLICT') };
  }

  /** The company list with this name (`GET /crm/v3/lists/object-type-id/0-2/name/{name}`), or null. */
  async findList(name: string, signal?: AbortSignal): Promise<Api.HubspotList | null> {
    const answer = await this.send<{ list?: Api.HubspotList } | Api.HubspotError>(
      {
        path: `/crm/v3/lists/object-type-id/${COMPANY_OBJECT_TYPE}/name/${encodeURIComponent(name)}`,
        accept: [404],
        ...(signal ? { signal } : {}),
      },
      'general',
    );
    return answer && 'list' in answer && answer.list ? answer.list : null;
  }

  /** A static (manual) company list. */
  async createList(name: string, signal?: AbortSignal): Promise<Api.HubspotList> {
    const answer = await this.send<{ list: Api.HubspotList }>(
      {
        method: 'POST',
        path: '/crm/v3/lists',
        body: { name, objectTypeId: COMPANY_OBJECT_TYPE, processingType: 'MANUAL' },
        ...(signal ? { signal } : {}),
      },
      'general',
      true,
    );
    return answer.list;
  }

  /** One page of a list's members (record ids). */
  listMemberships(
    listId: string,
    after: string | undefined,
    signal?: AbortSignal,
  ): Promise<Api.HubspotPage<{ recordId: string; membershipTimestamp?: string }>> {
    return this.get(
      `/crm/v3/lists/${encodeURIComponent(listId)}/memberships`,
      { limit: 250, ...(after ? { after } : {}) },
      signal,
    );
  }

  /** Add or remove records (`PUT …/memberships/add|remove`): idempotent, a record already in (or out) is fine. */
  changeMemberships(
    listId: string,
    change: 'add' | 'remove',
    recordIds: readonly string[],
    signal?: AbortSignal,
  ): Promise<Record<string, string[]>> {
    return this.send(
      {
        method: 'PUT',
        path: `/crm/v3/lists/${encodeURIComponent(listId)}/memberships/${change}`,
        body: recordIds,
        ...(signal ? { signal } : {}),
      },
      'general',
      true,
    );
  }

  /** A note on a company (`POST /crm/v3/objects/notes` associated to it). */
  createNote(
    companyId: string,
    body: string,
    timestamp: string,
    signal?: AbortSignal,
  ): Promise<{ id: string }> {
    return this.send(
      {
        method: 'POST',
        path: '/crm/v3/objects/notes',
        body: {
          properties: { hs_note_body: body, hs_timestamp: timestamp },
          associations: [
            {
              to: { id: companyId },
              types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 190 }],
            },
          ],
        },
        ...(signal ? { signal } : {}),
      },
      'general',
      true,
    );
  }
}

/** How long a 429 says to wait: `Retry-After`, else the window's interval header, else 10 s (1 s for search). */
function waitOf(headers: Headers, lane: keyof HubspotLanes): number {
  const retryAfter = Number(headers.get('retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
  if (Number.isFinite(interval) && interval > 0) return interval;
  return lane === 'search' ? 1_000 : DEFAULT_WINDOW_MS;
}
