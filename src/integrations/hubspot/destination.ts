import { ValidationError } from '../../core/http/index.js';
import type { CrmValue, CurrentValue, ValueAuthor } from '../../model/crm.js';
import type {
  DestinationAttributeType,
  DestinationCapability,
  DestinationLists,
  DestinationRecord,
  FieldMapping,
  PushDestination,
  PushValue,
  RecordLinkContext,
  RecordOutcome,
  RecordWrite,
} from '../capabilities/destination.js';
import { cursorPages } from '../paging.js';
import { BATCH_LIMIT, type HubspotClient, SEARCH_LIMIT } from './client.js';
import type { HubspotBatchAnswer, HubspotHistoryValue, HubspotObject, HubspotProperty } from './types.js';

/** The property group Beton's fields live in on the company object. */
export const BETON_GROUP = { name: 'beton', label: 'Beton' } as const;
/** Domains asked for in one search (`IN`); above READ_ALL_ABOVE keys, listing every company is cheaper. */
const DOMAINS_PER_SEARCH = 100;
const READ_ALL_ABOVE = 1_000;

/** `CRM_UI` (and the mobile apps) is a person typing; integrations, the API and imports are tools. */
export function authorOf(sourceType: string | undefined): ValueAuthor {
  switch (sourceType) {
    case 'CRM_UI':
    case 'MOBILE_IOS':
    case 'MOBILE_ANDROID':
      return 'person';
    case 'INTEGRATION':
    case 'API':
    case 'IMPORT':
      return 'integration';
    case undefined:
      return 'unknown';
    default:
      return 'system';
  }
}

/** Beton's attribute type of a HubSpot property type (what the plan compares with the mapping). */
function betonType(property: HubspotProperty): string {
  if (property.type === 'number') return 'number';
  if (property.type === 'datetime' || property.type === 'date') return 'timestamp';
  if (property.type === 'string') return 'text';
  return property.type;
}

const HUBSPOT_TYPE: Record<DestinationAttributeType, { type: string; fieldType: string }> = {
  number: { type: 'number', fieldType: 'number' },
  text: { type: 'string', fieldType: 'text' },
  timestamp: { type: 'datetime', fieldType: 'date' },
};

/** A HubSpot value (always a string) in the shape Beton compares, by the property's type. */
function plainValue(raw: string | null | undefined, type: string | undefined): CrmValue {
  if (raw === null || raw === undefined || raw === '') return null;
  if (type === 'number') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  if (type === 'datetime' || type === 'date') {
    const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
    return Number.isFinite(ms) ? new Date(ms).toISOString() : raw;
  }
  return raw;
}

/** Beton's value as HubSpot takes it: strings; an empty string clears the property. */
function hubspotValue(value: PushValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? value : String(value);
}

/**
 * The push destination over HubSpot: companies matched by domain, Beton's fields as company
 * properties in the `beton` group (group and properties created once; a 409 is "already there"),
 * writes in batches of 100 (updates by id, creates with the domain), and authorship from each
 * property's history (`CRM_UI` = a person). A 207 answer fails only the inputs it names.
 *
 * @example
 * const push = hubspotDestination(client);
 * await push.writeRecords?.([{ key: 'acme.com', name: 'Acme', create: true, values: { beton_health: 80 } }], mapping);
 */
export function hubspotDestination(client: HubspotClient): PushDestination {
  /** Company ids by domain, from the last read: what a batch update addresses. */
  const ids = new Map<string, string>();
  let types: Promise<Map<string, string>> | undefined;
  let group: Promise<unknown> | undefined;

  const propertyTypes = (signal?: AbortSignal) => {
    types ??= client.properties('companies', signal).then((all) => new Map(all.map((p) => [p.name, p.type])));
    types.catch(() => {
      types = undefined;
    });
    return types;
  };

  /** Companies of these domains with the mapped properties, by search (`domain IN …`) or listing all. */
  async function companiesOf(keys: readonly string[], properties: string[], signal?: AbortSignal) {
    const wanted = new Set(keys);
    const found = new Map<string, HubspotObject>();
    const take = (companies: HubspotObject[]) => {
      for (const c of companies) {
        const domain = (c.properties.domain ?? '').toLowerCase();
        if (wanted.has(domain) && !found.has(domain)) found.set(domain, c);
      }
    };
    if (wanted.size > READ_ALL_ABOVE) {
      let after: string | undefined;
      const seen = new Set<string>();
      do {
        const page = await client.list('companies', properties, after, signal ? { signal } : {});
        take(page.results);
        after = page.paging?.next?.after;
        if (after !== undefined && seen.has(after)) throw new Error('HubSpot repeated a companies cursor.');
        if (after !== undefined) seen.add(after);
      } while (after !== undefined);
      return found;
    }
    const list = [...wanted];
    for (let i = 0; i < list.length; i += DOMAINS_PER_SEARCH) {
      const chunk = list.slice(i, i + DOMAINS_PER_SEARCH);
      let after: string | undefined;
      do {
        const page = await client.search(
          'companies',
          {
            filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'IN', values: chunk }] }],
            properties,
            limit: SEARCH_LIMIT,
            ...(after ? { after } : {}),
          },
          signal,
        );
        take(page.results);
        after = page.paging?.next?.after;
      } while (after !== undefined);
    }
    return found;
  }

  async function readRecords(
    keys: readonly string[],
    mapping: readonly FieldMapping[],
    signal?: AbortSignal,
  ) {
    const out = new Map<string, DestinationRecord>();
    if (keys.length === 0) return out;
    const attributes = mapping.map((m) => m.attribute);
    const [found, typeOf] = await Promise.all([
      companiesOf(
        keys.map((k) => k.toLowerCase()),
        ['domain', 'name', ...attributes],
        signal,
      ),
      propertyTypes(signal),
    ]);
    // Who set a value is only in its history: read it for the companies holding any mapped value.
    const withValues = [...found.values()].filter((c) =>
      attributes.some((a) => (c.properties[a] ?? '') !== ''),
    );
    const history = new Map<string, Record<string, HubspotHistoryValue[]>>();
    for (let i = 0; i < withValues.length; i += BATCH_LIMIT) {
      const chunk = withValues.slice(i, i + BATCH_LIMIT);
      const read = await client.batchRead(
        'companies',
        chunk.map((c) => c.id),
        { properties: attributes, propertiesWithHistory: attributes, ...(signal ? { signal } : {}) },
      );
      for (const r of read) history.set(r.id, r.propertiesWithHistory ?? {});
    }
    for (const [domain, company] of found) {
      ids.set(domain, company.id);
      const values: Record<string, CurrentValue | undefined> = {};
      for (const attribute of attributes) {
        const value = plainValue(company.properties[attribute], typeOf.get(attribute));
        if (value === null) continue;
        const latest = history.get(company.id)?.[attribute]?.[0];
        values[attribute] = { value, author: authorOf(latest?.sourceType) };
      }
      out.set(domain, { recordId: company.id, key: domain, values });
    }
    return out;
  }

  /** Properties a write sends: only the mapped attributes it carries (and the domain and name on a create). */
  function propertiesOf(write: RecordWrite, mapping: readonly FieldMapping[]): Record<string, string> {
    const properties: Record<string, string> = {};
    if (write.create) {
      properties.domain = write.key;
      if (write.name) properties.name = write.name;
    }
    for (const m of mapping) {
      if (m.attribute in write.values)
        properties[m.attribute] = hubspotValue(write.values[m.attribute] ?? null);
    }
    return properties;
  }

  async function writeRecords(
    writes: readonly RecordWrite[],
    mapping: readonly FieldMapping[],
    signal?: AbortSignal,
  ): Promise<RecordOutcome[]> {
    const outcomes: (RecordOutcome | undefined)[] = new Array(writes.length);
    const missing = writes.filter((w) => !w.create && !ids.has(w.key)).map((w) => w.key);
    if (missing.length > 0) {
      for (const [domain, company] of await companiesOf(missing, ['domain'], signal))
        ids.set(domain, company.id);
    }
    const updates: { index: number; id: string; properties: Record<string, string> }[] = [];
    const creates: { index: number; properties: Record<string, string> }[] = [];
    writes.forEach((write, index) => {
      const properties = propertiesOf(write, mapping);
      const id = ids.get(write.key);
      if (write.create || !id) {
        if (!write.create) {
          outcomes[index] = {
            ok: false,
            error: new ValidationError(
              'hubspot',
              404,
              `no HubSpot company has the domain ${write.key} any more`,
            ),
          };
        } else creates.push({ index, properties });
      } else updates.push({ index, id, properties });
    });
    if (updates.length > 0) {
      const answer = await client.batchUpdate(
        'companies',
        updates.map(({ id, properties }) => ({ id, properties })),
        signal,
      );
      settle(
        answer,
        updates.map((u) => ({ index: u.index, match: u.id })),
        (r) => r.id,
        outcomes,
      );
    }
    if (creates.length > 0) {
      const answer = await client.batchCreate(
        'companies',
        creates.map(({ properties }) => ({ properties })),
        signal,
      );
      for (const r of answer.results) ids.set((r.properties.domain ?? '').toLowerCase(), r.id);
      settle(
        answer,
        creates.map((c) => ({ index: c.index, match: (c.properties.domain ?? '').toLowerCase() })),
        (r) => (r.properties.domain ?? '').toLowerCase(),
        outcomes,
      );
    }
    return outcomes.map(
      (o) =>
        o ?? { ok: false, error: new ValidationError('hubspot', 500, 'HubSpot answered no outcome for it') },
    );
  }

  return {
    name: 'hubspot',
    batchSize: BATCH_LIMIT,
    lists: hubspotLists(client),
    get writeCount() {
      return client.writes;
    },
    async listAttributes(signal) {
      const all = await client.properties('companies', signal);
      types = Promise.resolve(new Map(all.map((p) => [p.name, p.type])));
      return all.map((p) => ({ slug: p.name, type: betonType(p) }));
    },
    async ensureAttribute(m, signal) {
      group ??= client.ensureGroup('companies', BETON_GROUP, signal).catch((error: unknown) => {
        group = undefined;
        throw error;
      });
      await group;
      const created = await client.ensureProperty(
        'companies',
        {
          name: m.attribute,
          label: m.title,
          description: m.description,
          groupName: BETON_GROUP.name,
          ...HUBSPOT_TYPE[m.type],
        },
        signal,
      );
      types = undefined;
      return created;
    },
    readRecords,
    writeRecords,
    async writeRecord(write, mapping, signal) {
      const [outcome] = await writeRecords([write], mapping, signal);
      if (!outcome?.ok) throw outcome?.error ?? new Error('HubSpot answered no outcome');
      return { recordId: outcome.recordId };
    },
    async createNote(recordId, s, abort) {
      const body = `<p><strong>Beton: ${escapeHtml(s.title)}</strong></p><p>${escapeHtml(s.explanation)}</p><p>Signal ${escapeHtml(s.key)} fired at ${s.firedAt} (priority ${s.priority}).</p>`;
      const note = await client.createNote(recordId, body, s.firedAt, abort);
      return { noteId: note.id };
    },
  };
}

/**
 * Each input's outcome from a batch answer: a result for it (matched by id, or by domain for a
 * create) is a success; an error naming it (`context.ids` / `context.domain`) fails it with HubSpot's
 * reason; an answer that names neither fails it too, so nothing is counted as written unseen.
 */
function settle(
  answer: HubspotBatchAnswer,
  inputs: { index: number; match: string }[],
  keyOf: (result: HubspotObject) => string,
  outcomes: (RecordOutcome | undefined)[],
) {
  const results = new Map(answer.results.map((r) => [keyOf(r), r]));
  const errors = new Map<string, string>();
  for (const e of answer.errors ?? []) {
    for (const value of [...(e.context?.ids ?? []), ...(e.context?.domain ?? [])]) {
      errors.set(value.toLowerCase(), `${e.category}: ${e.message}`);
    }
  }
  for (const { index, match } of inputs) {
    const result = results.get(match);
    const reason = errors.get(match.toLowerCase());
    if (result && !reason) outcomes[index] = { ok: true, recordId: result.id };
    else {
      outcomes[index] = {
        ok: false,
        error: new ValidationError('hubspot', 400, reason ?? 'HubSpot answered no result for this input'),
      };
    }
  }
}

/** Memberships changed in one call (HubSpot takes up to 100,000; smaller calls keep a failure small). */
const MEMBERSHIP_CHUNK = 1_000;

/**
 * Company lists over HubSpot's lists API: static (`MANUAL`) lists of companies. A membership has no
 * id of its own in HubSpot, so an entry's id is its company's id.
 */
function hubspotLists(client: HubspotClient): DestinationLists {
  const chunks = (ids: readonly string[]) =>
    Array.from({ length: Math.ceil(ids.length / MEMBERSHIP_CHUNK) }, (_, i) =>
      ids.slice(i * MEMBERSHIP_CHUNK, (i + 1) * MEMBERSHIP_CHUNK),
    );
  return {
    async findList(name, signal) {
      const list = await client.findList(name, signal);
      return list ? { listId: String(list.listId), name: list.name } : null;
    },
    async findOrCreateList(name, signal) {
      const found = await client.findList(name, signal);
      if (found) return { listId: String(found.listId), name: found.name, created: false };
      const list = await client.createList(name, signal);
      return { listId: String(list.listId), name: list.name, created: true };
    },
    async listEntries(listId, signal) {
      const entries: { entryId: string; recordId: string }[] = [];
      for await (const page of cursorPages<{ recordId: string }, string>({
        what: 'HubSpot list memberships after cursor',
        fetch: async (after) => {
          const answer = await client.listMemberships(listId, after, signal);
          return { items: answer.results, next: answer.paging?.next?.after ?? null };
        },
        ...(signal ? { signal } : {}),
      })) {
        for (const m of page.items)
          entries.push({ entryId: String(m.recordId), recordId: String(m.recordId) });
      }
      return entries;
    },
    async addEntries(listId, recordIds, signal) {
      for (const chunk of chunks(recordIds)) await client.changeMemberships(listId, 'add', chunk, signal);
      return recordIds.map((id) => ({ entryId: id, recordId: id }));
    },
    async removeEntries(listId, entryIds, signal) {
      for (const chunk of chunks(entryIds)) await client.changeMemberships(listId, 'remove', chunk, signal);
    },
  };
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** HubSpot as a destination: what `defineIntegration` declares (src/push runs it). */
export const hubspotDestinationCapability: DestinationCapability<HubspotClient> = {
  description:
    'Companies matched by domain; Beton’s fields become company properties in a "beton" group (created when missing), written 100 companies a call, with optional notes for high-priority signals.',
  open: (client) => hubspotDestination(client),
  // The Free/Starter window: 100 requests per 10 s, 100 companies a batch update.
  writeLimit: { callsPerSecond: 10, recordsPerCall: 100 },
  recordStream: 'companies',
  recordUrl: hubspotRecordUrl,
};

/**
 * A company in HubSpot's app: `https://<ui domain>/contacts/<portal id>/record/0-2/<company id>`
 * (0-2 is HubSpot's company object type; the portal and its UI domain, e.g. app-eu1.hubspot.com,
 * are what the account-info check answered).
 */
export function hubspotRecordUrl(recordId: string, connection: RecordLinkContext): string | null {
  const portal = connection.details.portalId;
  if (typeof portal !== 'number' && !(typeof portal === 'string' && /^\d+$/.test(portal))) return null;
  const ui = connection.details.uiDomain;
  const host = typeof ui === 'string' && /^app(-[a-z0-9]+)?\.hubspot\.com$/.test(ui) ? ui : 'app.hubspot.com';
  return `https://${host}/contacts/${portal}/record/0-2/${encodeURIComponent(recordId)}`;
}
