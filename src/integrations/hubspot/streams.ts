import { cursorPages, type Page, type StreamDefinition, type StreamReadContext } from '../sdk.js';
import { type HubspotClient, SEARCH_CAP, SEARCH_LIMIT } from './client.js';
import type { HubspotAssociation, HubspotObject, HubspotObjectType, HubspotOwner } from './types.js';

/** Searches start this long before the last modified time read: search results lag writes by seconds. */
export const SEARCH_OVERLAP_MS = 2 * 60_000;
/** A full pass at least weekly: only a full pass sees archived objects (they leave the list). */
const FULL_PASS_EVERY_DAYS = 7;

/**
 * Where an object stream stands.
 * - `list`: a full pass over the list endpoint, resumable after `after`; `from` is when it began
 *   (less the overlap): the first search starts there, so nothing changed during the pass is lost.
 * - `search`: incremental, by the modified-date property from `since`; `after` resumes a query in
 *   progress (HubSpot's offset within that query, below its 10,000-result cap).
 */
export type ObjectState =
  | { phase: 'list'; after: string | null; from: string }
  | { phase: 'search'; since: string; after: string | null };

interface ObjectSpec {
  type: HubspotObjectType;
  /** The properties stored with each record. */
  properties: readonly string[];
  /** The modified-date property the search filters and sorts by. */
  modified: string;
  /** Fill `associations.companies` (a search answers none; the list is asked for them). */
  companyLinks?: boolean;
  description: string;
}

const minus = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();
const modifiedOf = (o: HubspotObject, property: string) => {
  const raw = o.properties[property];
  // HubSpot answers dates as ISO strings; a millisecond string is accepted too.
  const ms = raw ? (/^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)) : Date.parse(o.updatedAt);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : o.updatedAt;
};

/**
 * A CRM object type read by HubSpot's rules: a full pass lists every live object by `after`
 * cursors; later passes search by the modified date from the last value seen (less an overlap), in
 * ascending order. A query stops at 10,000 results, so a pass that reaches the cap starts a new query
 * from the last modified time it read. Archived objects leave the list: the full pass's sweep (at
 * least weekly) marks them deleted; a search cannot see them.
 */
function objectStream(spec: ObjectSpec): StreamDefinition<HubspotClient, HubspotObject, ObjectState> {
  return {
    description: spec.description,
    primaryKey: 'id',
    cursor: 'timestamp',
    deletes: 'full-refresh',
    fullRefreshAfterDays: FULL_PASS_EVERY_DAYS,
    async *read(client, state, ctx) {
      if (state === null || state.phase === 'list') yield* listPass(client, spec, state, ctx);
      else yield* searchPass(client, spec, state, ctx);
    },
  };
}

async function* listPass(
  client: HubspotClient,
  spec: ObjectSpec,
  state: Extract<ObjectState, { phase: 'list' }> | null,
  ctx: StreamReadContext,
): AsyncGenerator<Page<HubspotObject, ObjectState>> {
  const from = state?.from ?? minus(ctx.clock.now().toISOString(), SEARCH_OVERLAP_MS);
  for await (const page of cursorPages<HubspotObject, string>({
    what: `HubSpot ${spec.type} after cursor`,
    ...(state?.after ? { start: state.after } : {}),
    fetch: async (after) => {
      const answer = await client.list(spec.type, spec.properties, after, {
        ...(spec.companyLinks ? { associations: ['companies'] } : {}),
        signal: ctx.signal,
      });
      return { items: answer.results, next: answer.paging?.next?.after ?? null };
    },
    signal: ctx.signal,
  })) {
    yield page.next === null
      ? { records: page.items, state: { phase: 'search', since: from, after: null }, done: true }
      : { records: page.items, state: { phase: 'list', after: page.next, from } };
  }
}

async function* searchPass(
  client: HubspotClient,
  spec: ObjectSpec,
  state: Extract<ObjectState, { phase: 'search' }>,
  ctx: StreamReadContext,
): AsyncGenerator<Page<HubspotObject, ObjectState>> {
  let newest: string | null = null;
  // The cursor is the query's start and the offset within it: `since|after`.
  const start = `${state.since}|${state.after ?? ''}`;
  for await (const page of cursorPages<HubspotObject, string>({
    what: `HubSpot ${spec.type} search cursor`,
    start,
    fetch: async (cursor) => {
      const [since, after] = (cursor ?? start).split('|') as [string, string];
      const answer = await client.search(
        spec.type,
        {
          filterGroups: [{ filters: [{ propertyName: spec.modified, operator: 'GTE', value: since }] }],
          sorts: [{ propertyName: spec.modified, direction: 'ASCENDING' }],
          properties: [...spec.properties],
          limit: SEARCH_LIMIT,
          ...(after ? { after } : {}),
        },
        ctx.signal,
      );
      const items = spec.companyLinks
        ? await withCompanyLinks(client, spec.type, answer.results, ctx)
        : answer.results;
      const last = items.at(-1);
      const lastModified = last ? modifiedOf(last, spec.modified) : since;
      const nextAfter = answer.paging?.next?.after;
      let next: string | null = null;
      if (nextAfter !== undefined) {
        if (Number(nextAfter) < SEARCH_CAP) next = `${since}|${nextAfter}`;
        else if (lastModified > since)
          next = `${lastModified}|`; // a new query past the cap
        else {
          throw new Error(
            `HubSpot holds more than ${SEARCH_CAP} ${spec.type} modified at ${since}, more than one search can page through; run a full sync (--full).`,
          );
        }
      }
      return { items, next };
    },
    signal: ctx.signal,
  })) {
    for (const item of page.items) {
      const m = modifiedOf(item, spec.modified);
      if (newest === null || m > newest) newest = m;
    }
    if (page.next === null) {
      const since = newest ? minus(newest, SEARCH_OVERLAP_MS) : state.since;
      yield {
        records: page.items,
        state: { phase: 'search', since: since > state.since ? since : state.since, after: null },
        done: true,
      };
    } else {
      const [since, after] = page.next.split('|') as [string, string];
      yield { records: page.items, state: { phase: 'search', since, after: after || null } };
    }
  }
}

/** A search answers no associations: read the companies of the page's objects in one call. */
async function withCompanyLinks(
  client: HubspotClient,
  type: HubspotObjectType,
  objects: HubspotObject[],
  ctx: StreamReadContext,
): Promise<HubspotObject[]> {
  if (objects.length === 0) return objects;
  const answer = await client.associations(
    type,
    'companies',
    objects.map((o) => o.id),
    ctx.signal,
  );
  const byId = new Map(answer.results.map((r) => [String(r.from.id), r.to.map((t) => String(t.toObjectId))]));
  return objects.map((o) => ({
    ...o,
    associations: {
      companies: { results: (byId.get(o.id) ?? []).map((id) => ({ id, type: `${type}_to_company` })) },
    },
  }));
}

export const COMPANY_PROPERTIES = [
  'domain',
  'name',
  'industry',
  'numberofemployees',
  'annualrevenue',
  'country',
  'city',
  'hubspot_owner_id',
  'createdate',
  'hs_lastmodifieddate',
] as const;

export const companiesStream = objectStream({
  type: 'companies',
  properties: COMPANY_PROPERTIES,
  modified: 'hs_lastmodifieddate',
  description: 'Every company: domain, name, industry, size, revenue and owner.',
});

export const contactsStream = objectStream({
  type: 'contacts',
  properties: [
    'email',
    'firstname',
    'lastname',
    'jobtitle',
    'associatedcompanyid',
    'hubspot_owner_id',
    'createdate',
    'lastmodifieddate',
  ],
  modified: 'lastmodifieddate',
  description: 'Every contact: email, name, job title and primary company.',
});

export const dealsStream = objectStream({
  type: 'deals',
  properties: [
    'dealname',
    'amount',
    'dealstage',
    'pipeline',
    'closedate',
    'hs_is_closed_won',
    'hs_is_closed',
    'hubspot_owner_id',
    'createdate',
    'hs_lastmodifieddate',
  ],
  modified: 'hs_lastmodifieddate',
  companyLinks: true,
  description: 'Every deal: name, amount, stage, close date, owner and its companies.',
});

/** Every owner (the users records are assigned to), read whole each run: kept for routing. */
export const ownersStream: StreamDefinition<HubspotClient, HubspotOwner, { after: string }> = {
  description: 'Every owner: the HubSpot users companies and deals are assigned to.',
  primaryKey: 'id',
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, state, ctx) {
    for await (const page of cursorPages<HubspotOwner, string>({
      what: 'HubSpot owners after cursor',
      ...(state?.after ? { start: state.after } : {}),
      fetch: async (after) => {
        const answer = await client.owners(after, ctx.signal);
        return { items: answer.results, next: answer.paging?.next?.after ?? null };
      },
      signal: ctx.signal,
    })) {
      yield {
        records: page.items,
        state: { after: page.next ?? '' },
        ...(page.next === null ? { done: true } : {}),
      };
    }
  },
};

/**
 * Company↔contact or company↔deal links, read whole each run: the companies by `after` cursor with
 * their links inline (`associations=contacts`), one request per 100 companies. A link removed in
 * HubSpot is swept at the end of the pass.
 */
function associationStream(
  to: 'contacts' | 'deals',
): StreamDefinition<HubspotClient, HubspotAssociation, { after: string }> {
  return {
    description: `Which ${to} belong to which company (one record per link).`,
    primaryKey: 'id',
    cursor: 'none',
    deletes: 'full-refresh',
    async *read(client, state, ctx) {
      for await (const page of cursorPages<HubspotAssociation, string>({
        what: `HubSpot company ${to} after cursor`,
        ...(state?.after ? { start: state.after } : {}),
        fetch: async (after) => {
          const companies = await client.list('companies', ['hs_object_id'], after, {
            associations: [to],
            signal: ctx.signal,
          });
          const items = companies.results.flatMap((company) =>
            (company.associations?.[to]?.results ?? []).map((link) => ({
              id: `${company.id}:${link.id}`,
              companyId: company.id,
              toObjectId: String(link.id),
              labels: [],
            })),
          );
          return { items, next: companies.paging?.next?.after ?? null };
        },
        signal: ctx.signal,
      })) {
        yield {
          records: page.items,
          state: { after: page.next ?? '' },
          ...(page.next === null ? { done: true } : {}),
        };
      }
    },
  };
}

export const companyContactsStream = associationStream('contacts');
export const companyDealsStream = associationStream('deals');
