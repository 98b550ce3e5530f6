import { type HttpClient, NotFoundError, type RateBudget, ValidationError } from '../../core/http/index.js';
import { offsetPages } from '../paging.js';
import type {
  AttioAttribute,
  AttioAttributeInput,
  AttioEntry,
  AttioList,
  AttioNote,
  AttioNoteInput,
  AttioObject,
  AttioQuery,
  AttioRecord,
  AttioSelf,
  AttioValue,
  AttioWorkspaceMember,
} from './types.js';

/** Attio answers at most 500 records a query. */
export const ATTIO_PAGE_LIMIT = 500;

/**
 * Attio's REST API (https://docs.attio.com/rest-api), through Beton's HTTP client (Bearer token,
 * retries, `Retry-After` as an HTTP date). Reads share the credential's budget (100/s); writes
 * also take a token from `writeBudget` (25/s), Attio's separate write limit.
 *
 * @example
 * const attio = new AttioClient(http, writeBudget);
 * await attio.assertRecord('companies', 'domains', { domains: ['acme.com'], beton_health: 72 });
 */
export class AttioClient {
  constructor(
    private readonly http: HttpClient,
    private readonly writeBudget?: RateBudget,
  ) {}

  /** Write requests sent (attempts that returned), for run counters. */
  writes = 0;

  private write<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const run = async () => {
      const out = await fn();
      this.writes += 1;
      return out;
    };
    return this.writeBudget ? this.writeBudget.run(run, signal) : run();
  }

  /** The token check (`GET /v2/self`): flat; `active: false` means the token is not usable. */
  self(signal?: AbortSignal): Promise<AttioSelf> {
    return this.http.get<AttioSelf>('v2/self', undefined, signal);
  }

  /** Every workspace member (`GET /v2/workspace_members`, scope `user_management:read`), unpaged. */
  async workspaceMembers(signal?: AbortSignal): Promise<AttioWorkspaceMember[]> {
    return (await this.http.get<{ data: AttioWorkspaceMember[] }>('v2/workspace_members', undefined, signal))
      .data;
  }

  async listObjects(signal?: AbortSignal): Promise<AttioObject[]> {
    return (await this.http.get<{ data: AttioObject[] }>('v2/objects', undefined, signal)).data;
  }

  async listAttributes(object: string, signal?: AbortSignal): Promise<AttioAttribute[]> {
    const path = `v2/objects/${encodeURIComponent(object)}/attributes`;
    return (await this.http.get<{ data: AttioAttribute[] }>(path, undefined, signal)).data;
  }

  /**
   * Create an attribute; one that already exists (409 `slug_conflict`) counts as ensured.
   *
   * @example
   * await attio.ensureAttribute('companies', { title: 'Beton health', api_slug: 'beton_health', type: 'number', … });
   */
  async ensureAttribute(
    object: string,
    input: AttioAttributeInput,
    signal?: AbortSignal,
  ): Promise<{ created: boolean }> {
    const path = `v2/objects/${encodeURIComponent(object)}/attributes`;
    try {
      await this.write(() => this.http.post(path, { data: input }, signal ? { signal } : {}), signal);
      return { created: true };
    } catch (error) {
      if (error instanceof ValidationError && error.upstreamStatus === 409) return { created: false };
      throw error;
    }
  }

  /** One page of `POST /v2/objects/{object}/records/query` (a read, safe to retry). */
  async queryRecords(object: string, query: AttioQuery = {}, signal?: AbortSignal): Promise<AttioRecord[]> {
    const path = `v2/objects/${encodeURIComponent(object)}/records/query`;
    const res = await this.http.request<{ data: AttioRecord[] }>({
      method: 'POST',
      path,
      body: query,
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
    return res.data.data;
  }

  /**
   * Every record matching `filter`, page by page (offset until a short page).
   *
   * @example
   * for await (const page of attio.records('companies')) console.log(page.length);
   */
  async *records(
    object: string,
    filter?: Record<string, unknown>,
    opts: { from?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<{ records: AttioRecord[]; offset: number; next: number | null }> {
    // Guarded: an offset the server ignores (same first record again) stops instead of looping.
    for await (const page of offsetPages({
      what: `Attio ${object}`,
      limit: ATTIO_PAGE_LIMIT,
      start: opts.from ?? 0,
      fetch: (offset, limit) =>
        this.queryRecords(object, { ...(filter ? { filter } : {}), limit, offset }, opts.signal),
      idOf: (record) => record.id.record_id,
    })) {
      yield { records: page.items, offset: page.cursor ?? 0, next: page.next };
    }
  }

  /**
   * Update the record matching `matchingAttribute` or create it (`PUT …/records?matching_attribute=`;
   * the matching attribute is a query parameter). Idempotent: safe to retry.
   */
  async assertRecord(
    object: string,
    matchingAttribute: string,
    values: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<AttioRecord> {
    const path = `v2/objects/${encodeURIComponent(object)}/records`;
    const res = await this.write(
      () =>
        this.http.request<{ data: AttioRecord }>({
          method: 'PUT',
          path,
          query: { matching_attribute: matchingAttribute },
          body: { data: { values } },
          ...(signal ? { signal } : {}),
        }),
      signal,
    );
    return res.data.data;
  }

  async getRecord(object: string, recordId: string, signal?: AbortSignal): Promise<AttioRecord> {
    const path = `v2/objects/${encodeURIComponent(object)}/records/${encodeURIComponent(recordId)}`;
    return (await this.http.get<{ data: AttioRecord }>(path, undefined, signal)).data;
  }

  /** A value's history (`show_historic`) or its active values, each with `created_by_actor`. */
  async attributeValues(
    object: string,
    recordId: string,
    attribute: string,
    showHistoric = false,
    signal?: AbortSignal,
  ): Promise<AttioValue[]> {
    const path = `v2/objects/${encodeURIComponent(object)}/records/${encodeURIComponent(recordId)}/attributes/${encodeURIComponent(attribute)}/values`;
    return (await this.http.get<{ data: AttioValue[] }>(path, { show_historic: showHistoric }, signal)).data;
  }

  /** A note on a record. POST is not retried on 5xx (it could write the note twice); 429s are. */
  async createNote(input: AttioNoteInput, signal?: AbortSignal): Promise<AttioNote> {
    const res = await this.write(
      () => this.http.post<{ data: AttioNote }>('v2/notes', { data: input }, signal ? { signal } : {}),
      signal,
    );
    return res.data;
  }

  /**
   * Create a list over an object (`POST /v2/lists`, scope `list_configuration:read-write`), open to
   * the whole workspace. POST is not retried on 5xx (it could make two lists); 429s are.
   */
  async createList(
    input: { name: string; api_slug: string; parent_object: string },
    signal?: AbortSignal,
  ): Promise<AttioList> {
    const body = { data: { ...input, workspace_access: 'full-access', workspace_member_access: [] } };
    const res = await this.write(
      () => this.http.post<{ data: AttioList }>('v2/lists', body, signal ? { signal } : {}),
      signal,
    );
    return res.data;
  }

  /** Take an entry off a list (`DELETE /v2/lists/{list}/entries/{entry_id}`); a 404 means it is gone. */
  async deleteEntry(list: string, entryId: string, signal?: AbortSignal): Promise<{ deleted: boolean }> {
    const path = `v2/lists/${encodeURIComponent(list)}/entries/${encodeURIComponent(entryId)}`;
    try {
      await this.write(
        () => this.http.request({ method: 'DELETE', path, idempotent: true, ...(signal ? { signal } : {}) }),
        signal,
      );
      return { deleted: true };
    } catch (error) {
      if (error instanceof NotFoundError) return { deleted: false };
      throw error;
    }
  }

  async listLists(signal?: AbortSignal): Promise<AttioList[]> {
    return (await this.http.get<{ data: AttioList[] }>('v2/lists', undefined, signal)).data;
  }

  async queryEntries(list: string, query: AttioQuery = {}, signal?: AbortSignal): Promise<AttioEntry[]> {
    const res = await this.http.request<{ data: AttioEntry[] }>({
      method: 'POST',
      path: `v2/lists/${encodeURIComponent(list)}/entries/query`,
      body: query,
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
    return res.data.data;
  }

  /** Put a record on a list, or update its entry (`PUT /v2/lists/{list}/entries`). */
  async assertEntry(
    list: string,
    entry: { parent_object: string; parent_record_id: string; entry_values?: Record<string, unknown> },
    signal?: AbortSignal,
  ): Promise<AttioEntry> {
    const res = await this.write(
      () =>
        this.http.put<{ data: AttioEntry }>(
          `v2/lists/${encodeURIComponent(list)}/entries`,
          { data: { entry_values: {}, ...entry } },
          signal ? { signal } : {},
        ),
      signal,
    );
    return res.data;
  }
}
