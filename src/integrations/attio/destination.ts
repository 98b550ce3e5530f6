import { createHash } from 'node:crypto';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { CurrentValue, ValueAuthor } from '../../model/crm.js';
import type {
  DestinationCapability,
  DestinationContext,
  DestinationLists,
  DestinationRecord,
  FieldMapping,
  PushDestination,
  PushValue,
  RecordLinkContext,
  RecordWrite,
} from '../capabilities/destination.js';
import { offsetPages } from '../paging.js';
import type { ActionContext } from '../sdk.js';
import {
  addCompanyToList,
  assertCompany,
  createCompanyList,
  ensureCompanyAttribute,
  noteOnCompany,
  removeListEntry,
} from './actions.js';
import { ATTIO_PAGE_LIMIT, type AttioClient } from './client.js';
import type { AttioRecord, AttioValue } from './types.js';

const OBJECT = 'companies';
const MATCHING_ATTRIBUTE = 'domains';
/** Keys asked for in one filtered query; above this many keys, reading every company is cheaper. */
const KEYS_PER_QUERY = 100;
const READ_ALL_ABOVE = 2_000;
/** The actions take a signal; a call made without one is never aborted. */
const NEVER = new AbortController().signal;
/** For a destination opened outside a connection (a test over a bare client). */
const silent = createLogger({ level: 'silent' });

/** `workspace-member` is a person; tokens and apps are integrations (Beton among them). */
function authorOf(value: AttioValue): ValueAuthor {
  switch (value.created_by_actor?.type) {
    case 'workspace-member':
      return 'person';
    case 'api-token':
    case 'app':
      return 'integration';
    case 'system':
      return 'system';
    default:
      return 'unknown';
  }
}

/** The plain value of an Attio value, in the shape Beton compares and writes. */
function plainValue(value: AttioValue): PushValue {
  if (value.option && typeof value.option === 'object') return value.option.title;
  if (typeof value.domain === 'string') return value.domain;
  if (typeof value.email_address === 'string') return value.email_address;
  if (typeof value.currency_value === 'number') return value.currency_value;
  const v = value.value;
  if (typeof v === 'string' && value.attribute_type === 'timestamp') return new Date(v).toISOString();
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
}

function toDestinationRecord(
  record: AttioRecord,
  key: string,
  mapping: readonly FieldMapping[],
): DestinationRecord {
  const values: Record<string, CurrentValue | undefined> = {};
  for (const m of mapping) {
    const active = (record.values[m.attribute] ?? []).find((v) => !v.active_until);
    values[m.attribute] = active ? { value: plainValue(active), author: authorOf(active) } : undefined;
  }
  return { recordId: record.id.record_id, key, values };
}

function domainsOf(record: AttioRecord): string[] {
  return (record.values[MATCHING_ATTRIBUTE] ?? [])
    .filter((v) => !v.active_until && typeof v.domain === 'string')
    .map((v) => v.domain!.toLowerCase());
}

/** Beton's values in Attio's write format: `null` clears (an empty list). */
function attioValue(value: PushValue): unknown {
  return value === null ? [] : value;
}

/**
 * A list's `api_slug` from its name: readable, snake_case, and unique per name (a short hash), so
 * two names that read alike never share a slug.
 */
export function listSlug(name: string): string {
  const words = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 6);
  return `beton_${words ? `${words}_` : ''}${hash}`;
}

/** Company lists over Attio's lists API; every write is a declared action under the write budget. */
function attioLists(client: AttioClient, action: (signal?: AbortSignal) => ActionContext): DestinationLists {
  return {
    async findList(name, signal) {
      const found = (await client.listLists(signal)).find(
        (l) => l.name === name && l.parent_object.includes(OBJECT),
      );
      return found ? { listId: found.id.list_id, name: found.name } : null;
    },

    async findOrCreateList(name, signal) {
      const found = await this.findList(name, signal);
      if (found) return { ...found, created: false };
      const list = await createCompanyList.run(client, { name, api_slug: listSlug(name) }, action(signal));
      return { listId: list.id.list_id, name: list.name, created: true };
    },

    async listEntries(listId, signal) {
      const out: { entryId: string; recordId: string }[] = [];
      for await (const page of offsetPages({
        what: 'Attio list entries',
        limit: ATTIO_PAGE_LIMIT,
        start: 0,
        fetch: (offset, limit) => client.queryEntries(listId, { limit, offset }, signal),
        idOf: (entry) => entry.id.entry_id,
      })) {
        for (const e of page.items) out.push({ entryId: e.id.entry_id, recordId: e.parent_record_id });
      }
      return out;
    },

    async addEntries(listId, recordIds, signal) {
      const out: { entryId: string; recordId: string }[] = [];
      for (const recordId of recordIds) {
        const entry = await addCompanyToList.run(client, { list: listId, recordId }, action(signal));
        out.push({ entryId: entry.id.entry_id, recordId: entry.parent_record_id });
      }
      return out;
    },

    async removeEntries(listId, entryIds, signal) {
      for (const entryId of entryIds)
        await removeListEntry.run(client, { list: listId, entryId }, action(signal));
    },
  };
}

/**
 * The push destination over Attio: companies matched by `domains` (asserted with
 * `?matching_attribute=domains`), Beton's fields as company attributes, notes on companies. Its
 * writes are the integration's declared actions (`assertCompany`, `ensureCompanyAttribute`,
 * `noteOnCompany`), run through the connection's client under its write budget.
 *
 * @example
 * const dest = attioDestination(client, ctx);
 * await dest.writeRecord({ key: 'acme.com', name: 'Acme', create: true, values: { beton_health: 72 } }, mapping);
 */
export function attioDestination(
  client: AttioClient,
  ctx: Partial<Omit<DestinationContext<unknown>, 'settings'>> = {},
): PushDestination {
  const action = (signal?: AbortSignal): ActionContext => ({
    signal: signal ?? NEVER,
    logger: ctx.logger ?? silent,
    clock: ctx.clock ?? systemClock,
    workspaceId: ctx.workspaceId ?? '',
    connectionId: ctx.connectionId ?? '',
  });
  return {
    name: 'attio',
    lists: attioLists(client, action),
    get writeCount() {
      return client.writes;
    },

    async listAttributes(signal) {
      const attributes = await client.listAttributes(OBJECT, signal);
      return attributes.map((a) => ({ slug: a.api_slug, type: a.type }));
    },

    ensureAttribute(m, signal) {
      return ensureCompanyAttribute.run(
        client,
        { api_slug: m.attribute, title: m.title, type: m.type, description: m.description },
        action(signal),
      );
    },

    async readRecords(keys, mapping, signal) {
      const wanted = new Set(keys);
      const out = new Map<string, DestinationRecord>();
      const take = (records: AttioRecord[]) => {
        for (const record of records) {
          for (const domain of domainsOf(record)) {
            if (wanted.has(domain) && !out.has(domain))
              out.set(domain, toDestinationRecord(record, domain, mapping));
          }
        }
      };
      if (wanted.size > READ_ALL_ABOVE) {
        for await (const page of client.records(OBJECT, undefined, signal ? { signal } : {}))
          take(page.records);
        return out;
      }
      const list = [...wanted];
      for (let i = 0; i < list.length; i += KEYS_PER_QUERY) {
        const chunk = list.slice(i, i + KEYS_PER_QUERY);
        const filter = {
          $or: chunk.map((domain) => ({ [MATCHING_ATTRIBUTE]: { domain: { $eq: domain } } })),
        };
        for await (const page of client.records(OBJECT, filter, signal ? { signal } : {})) take(page.records);
      }
      return out;
    },

    async writeRecord(write: RecordWrite, mapping, signal) {
      const values: Record<string, unknown> = {};
      if (write.create && write.name) values.name = write.name;
      for (const m of mapping) {
        if (m.attribute in write.values) values[m.attribute] = attioValue(write.values[m.attribute] ?? null);
      }
      const record = await assertCompany.run(client, { domain: write.key, values }, action(signal));
      return { recordId: record.id.record_id };
    },

    async createNote(recordId, s, abort) {
      const note = await noteOnCompany.run(
        client,
        {
          recordId,
          title: `Beton: ${s.title}`,
          content: `${s.explanation}\n\nSignal ${s.key} fired at ${s.firedAt} (priority ${s.priority}).`,
        },
        action(abort),
      );
      return { noteId: note.id.note_id };
    },
  };
}

/** Attio as a destination: what `defineIntegration` declares (src/push runs it). */
export const attioDestinationCapability: DestinationCapability<AttioClient> = {
  description:
    'Companies matched by domain; Beton’s fields become company attributes (created when missing), with optional notes for high-priority signals.',
  open: (client, ctx) => attioDestination(client, ctx),
  writeLimit: { callsPerSecond: 25, recordsPerCall: 1 },
  recordStream: 'companies',
  recordUrl: attioRecordUrl,
};

/**
 * A company in Attio's app: `https://app.attio.com/<workspace slug>/company/<record id>/overview`
 * (the slug is what `GET /v2/self` answered when the connection was last checked).
 */
export function attioRecordUrl(recordId: string, connection: RecordLinkContext): string | null {
  const slug = connection.details.workspaceSlug;
  if (typeof slug !== 'string' || !/^[a-z0-9-]+$/i.test(slug)) return null;
  return `https://app.attio.com/${slug}/company/${encodeURIComponent(recordId)}/overview`;
}
