import type { AttioWorkspaceMember } from '../types.js';
import { attioInvalid, attioNotFound, attioSlugConflict } from './errors.js';
import { compileFilter, type FilterableRecord } from './filter.js';
import { uuidSequence } from './ids.js';
import {
  type Actor,
  type AttributeShape,
  type AttributeType,
  mainField,
  parseInputValues,
  renderValue,
  type SelectOption,
  type StoredValue,
  SUPPORTED_TYPES,
  samePayload,
  type ValuePayload,
} from './values.js';

export interface AttributeDef extends AttributeShape {
  title: string;
  description: string | null;
  is_required: boolean;
  is_unique: boolean;
  is_system_attribute: boolean;
  is_writable: boolean;
  created_at: string;
}

interface ObjectDef {
  object_id: string;
  api_slug: string;
  singular_noun: string;
  plural_noun: string;
  created_at: string;
  attributes: Map<string, AttributeDef>;
  /** unique attribute slug → main field value → record id, so asserts do not scan. */
  uniqueIndex: Map<string, Map<unknown, string>>;
}

export interface StoredRecord extends FilterableRecord {
  object: string;
  created_at: string;
  values: Map<string, StoredValue[]>;
}

interface ListDef {
  list_id: string;
  api_slug: string;
  name: string;
  parent_object: string;
  created_at: string;
  created_by_actor: Actor;
  attributes: Map<string, AttributeDef>;
}

interface StoredEntry extends FilterableRecord {
  entry_id: string;
  list: string;
  parent_object: string;
  parent_record_id: string;
  created_at: string;
  values: Map<string, StoredValue[]>;
}

export interface StoredNote {
  note_id: string;
  parent_object: string;
  parent_record_id: string;
  title: string;
  format: 'plaintext' | 'markdown';
  content: string;
  created_by_actor: Actor;
  created_at: string;
}

export interface QueryOptions {
  filter?: unknown;
  sorts?: { attribute?: string; direction: 'asc' | 'desc'; field?: string }[];
  limit?: number;
  offset?: number;
}

/** Attribute definitions the standard objects start with (a subset of Attio's system attributes). */
const STANDARD_OBJECTS: Record<
  string,
  { singular: string; plural: string; attributes: [string, string, AttributeType, boolean, boolean][] }
> = {
  companies: {
    singular: 'Company',
    plural: 'Companies',
    // slug, title, type, multiselect, unique
    attributes: [
      ['name', 'Name', 'text', false, false],
      ['domains', 'Domains', 'domain', true, true],
      ['description', 'Description', 'text', false, false],
    ],
  },
  people: {
    singular: 'Person',
    plural: 'People',
    attributes: [
      ['name', 'Name', 'personal-name', false, false],
      ['email_addresses', 'Email addresses', 'email-address', true, true],
      ['job_title', 'Job title', 'text', false, false],
      ['company', 'Company', 'record-reference', false, false],
    ],
  },
  deals: {
    singular: 'Deal',
    plural: 'Deals',
    attributes: [
      ['name', 'Name', 'text', false, false],
      ['value', 'Deal value', 'currency', false, false],
    ],
  },
};

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };

/**
 * The state of one simulated Attio workspace: objects, attributes, records with full value history
 * (each version carries `created_by_actor`), notes, lists and entries. Pure in-memory logic with no
 * HTTP: the server maps routes onto these methods, and tests and seeds call them directly.
 *
 * @example
 * const store = new AttioStore({ workspaceId: 'ws', now: () => new Date() });
 * const { record, created } = store.assertRecord('companies', 'domains',
 *   { domains: ['acme.com'], name: 'Acme' }, { type: 'api-token', id: 'tok' });
 */
export class AttioStore {
  readonly workspaceId: string;
  private now: () => Date;
  private readonly nextId: () => string;
  private readonly objects = new Map<string, ObjectDef>();
  private readonly records = new Map<string, StoredRecord>();
  private readonly recordsByObject = new Map<string, StoredRecord[]>();
  private readonly notes: StoredNote[] = [];
  private readonly lists = new Map<string, ListDef>();
  private readonly entries = new Map<string, StoredEntry[]>();
  private readonly members: AttioWorkspaceMember[] = [];

  constructor(opts: { workspaceId?: string; seed?: string; now?: () => Date } = {}) {
    this.nextId = uuidSequence(opts.seed ?? 'attio');
    this.workspaceId = opts.workspaceId ?? this.nextId();
    this.now = opts.now ?? (() => new Date());
    for (const [slug, def] of Object.entries(STANDARD_OBJECTS)) {
      const object: ObjectDef = {
        object_id: this.nextId(),
        api_slug: slug,
        singular_noun: def.singular,
        plural_noun: def.plural,
        created_at: this.stamp(),
        attributes: new Map(),
        uniqueIndex: new Map(),
      };
      this.objects.set(slug, object);
      this.recordsByObject.set(slug, []);
      for (const [api_slug, title, type, multi, unique] of def.attributes) {
        this.addAttribute(object, { api_slug, title, type, is_multiselect: multi, is_unique: unique }, true);
      }
    }
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  // ── objects and attributes ───────────────────────────────────────────────

  private object(slugOrId: string): ObjectDef {
    const found =
      this.objects.get(slugOrId) ?? [...this.objects.values()].find((o) => o.object_id === slugOrId);
    if (!found) throw attioNotFound(`Object with slug/ID "${slugOrId}" not found.`);
    return found;
  }

  listObjects() {
    return [...this.objects.values()].map((o) => this.renderObject(o));
  }

  getObject(slugOrId: string) {
    return this.renderObject(this.object(slugOrId));
  }

  private renderObject(o: ObjectDef) {
    return {
      id: { workspace_id: this.workspaceId, object_id: o.object_id },
      api_slug: o.api_slug,
      singular_noun: o.singular_noun,
      plural_noun: o.plural_noun,
      created_at: o.created_at,
    };
  }

  private addAttribute(
    owner: { object_id?: string; list_id?: string; attributes: Map<string, AttributeDef> },
    data: {
      api_slug: string;
      title: string;
      type: AttributeType;
      description?: string | null;
      is_multiselect?: boolean;
      is_unique?: boolean;
      is_required?: boolean;
      options?: string[];
    },
    system: boolean,
  ): AttributeDef {
    const attributeId = this.nextId();
    const ids = {
      workspace_id: this.workspaceId,
      object_id: owner.object_id ?? owner.list_id!,
      attribute_id: attributeId,
    };
    const attr: AttributeDef = {
      api_slug: data.api_slug,
      title: data.title,
      type: data.type,
      description: data.description ?? null,
      is_multiselect: data.is_multiselect ?? false,
      is_unique: data.is_unique ?? false,
      is_required: data.is_required ?? false,
      is_system_attribute: system,
      is_writable: true,
      created_at: this.stamp(),
      ids,
      options: (data.options ?? []).map<SelectOption>((title) => ({
        option_id: this.nextId(),
        title,
        is_archived: false,
      })),
    };
    owner.attributes.set(attr.api_slug, attr);
    return attr;
  }

  listAttributes(objectSlug: string) {
    return [...this.object(objectSlug).attributes.values()].map(renderAttribute);
  }

  /**
   * Create an attribute on an object. A slug that already exists is Attio's 409 `slug_conflict`.
   *
   * @example
   * store.createAttribute('companies', { title: 'Beton health', api_slug: 'beton_health', type: 'number' });
   */
  createAttribute(
    objectSlug: string,
    data: {
      title: string;
      api_slug: string;
      type: string;
      description?: string | null;
      is_multiselect?: boolean;
      is_unique?: boolean;
      is_required?: boolean;
      options?: string[];
    },
  ) {
    const object = this.object(objectSlug);
    if (!/^[a-z][a-z0-9_]*$/.test(data.api_slug)) {
      throw attioInvalid('validation_type', `API slug "${data.api_slug}" must be snake case.`);
    }
    if (!(SUPPORTED_TYPES as readonly string[]).includes(data.type)) {
      throw attioInvalid('validation_type', `Attribute type "${data.type}" is not supported here.`);
    }
    if (object.attributes.has(data.api_slug)) {
      throw attioSlugConflict(
        `An attribute with the same API slug "${data.api_slug}" already exists on this object. Please choose a different API slug.`,
      );
    }
    const attr = this.addAttribute(object, { ...data, type: data.type as AttributeType }, false);
    return renderAttribute(attr);
  }

  // ── workspace members ────────────────────────────────────────────────────

  /** Give a person a seat (the seed, or a test adding a colleague). */
  addMember(member: { id: string; email: string; firstName: string; lastName: string }) {
    this.members.push({
      id: { workspace_id: this.workspaceId, workspace_member_id: member.id },
      first_name: member.firstName,
      last_name: member.lastName,
      avatar_url: null,
      email_address: member.email,
      created_at: this.stamp(),
      access_level: this.members.length === 0 ? 'admin' : 'member',
    });
  }

  /** `GET /v2/workspace_members`: every member, unpaged (Attio answers them all at once). */
  listMembers(): AttioWorkspaceMember[] {
    return this.members.map((m) => ({ ...m, id: { ...m.id } }));
  }

  // ── records ──────────────────────────────────────────────────────────────

  private record(objectSlug: string, recordId: string): StoredRecord {
    const r = this.records.get(recordId);
    if (!r || r.object !== this.object(objectSlug).api_slug) {
      throw attioNotFound(`Record with ID "${recordId}" not found.`);
    }
    return r;
  }

  getRecord(objectSlug: string, recordId: string) {
    return this.renderRecord(this.record(objectSlug, recordId));
  }

  /** Number of live records of an object (tests and benches read it). */
  countRecords(objectSlug: string): number {
    return this.recordsByObject.get(this.object(objectSlug).api_slug)!.length;
  }

  /**
   * Filter, sort and page records the way `POST /v2/objects/{object}/records/query` does.
   * `limit` defaults to 500 and may not exceed it.
   */
  queryRecords(objectSlug: string, opts: QueryOptions = {}) {
    const object = this.object(objectSlug);
    const limit = checkLimit(opts.limit);
    const offset = checkOffset(opts.offset);
    const match = compileFilter(opts.filter, object.attributes);
    let rows = this.recordsByObject.get(object.api_slug)!.filter(match);
    if (opts.sorts?.length) rows = sortRows(rows, opts.sorts, object.attributes);
    return rows.slice(offset, offset + limit).map((r) => this.renderRecord(r));
  }

  /**
   * `PUT /v2/objects/{object}/records?matching_attribute=…`: update the one record whose matching
   * attribute shares a value with the input, or create one. On the matching multiselect attribute
   * new values are added and none removed; other attributes are replaced.
   */
  assertRecord(objectSlug: string, matchingAttribute: string, values: Record<string, unknown>, actor: Actor) {
    const object = this.object(objectSlug);
    const matchAttr = object.attributes.get(matchingAttribute);
    if (!matchAttr) throw attioNotFound(`Attribute with slug/ID "${matchingAttribute}" not found.`);
    if (!matchAttr.is_unique) {
      throw attioInvalid(
        'validation_type',
        `Matching attribute "${matchingAttribute}" must be a unique attribute (e.g. "domains").`,
      );
    }
    const parsed = this.parseValues(object, values);
    const matchValues = parsed.get(matchingAttribute);
    if (!matchValues?.length) {
      throw attioInvalid(
        'missing_value',
        `A value for the matching attribute "${matchingAttribute}" is required.`,
      );
    }
    const index = object.uniqueIndex.get(matchingAttribute) ?? new Map();
    const hits = new Set<string>();
    for (const p of matchValues) {
      const id = index.get(mainField(matchAttr.type, p));
      if (id) hits.add(id);
    }
    if (hits.size > 1) {
      throw attioInvalid(
        'multiple_match_results',
        `Multiple records match the values given for "${matchingAttribute}"; assert with a value that matches one record.`,
      );
    }
    if (hits.size === 0) return { record: this.createParsed(object, parsed, actor), created: true };
    const record = this.records.get([...hits][0]!)!;
    this.applyValues(object, record, parsed, actor, matchingAttribute);
    return { record: this.renderRecord(record), created: false };
  }

  /** `POST /v2/objects/{object}/records`: create without matching (unique conflicts are 400). */
  createRecord(objectSlug: string, values: Record<string, unknown>, actor: Actor) {
    const object = this.object(objectSlug);
    return this.createParsed(object, this.parseValues(object, values), actor);
  }

  /**
   * `PATCH` (append to multiselect values) or `PUT` (replace them) on one record.
   * Also how a person's edit in the Attio UI is simulated: pass a `workspace-member` actor.
   */
  updateRecord(
    objectSlug: string,
    recordId: string,
    values: Record<string, unknown>,
    actor: Actor,
    mode: 'append' | 'overwrite' = 'overwrite',
  ) {
    const object = this.object(objectSlug);
    const record = this.record(objectSlug, recordId);
    const parsed = this.parseValues(object, values);
    this.applyValues(object, record, parsed, actor, mode === 'append' ? '*' : undefined);
    return this.renderRecord(record);
  }

  deleteRecord(objectSlug: string, recordId: string) {
    const object = this.object(objectSlug);
    const record = this.record(objectSlug, recordId);
    for (const [slug, index] of object.uniqueIndex) {
      for (const v of record.values.get(slug) ?? []) {
        if (!v.active_until) index.delete(mainField(object.attributes.get(slug)!.type, v.payload));
      }
    }
    this.records.delete(recordId);
    const list = this.recordsByObject.get(object.api_slug)!;
    list.splice(list.indexOf(record), 1);
  }

  /** `GET …/attributes/{attribute}/values`: active values, or the whole history. */
  attributeValues(objectSlug: string, recordId: string, attribute: string, showHistoric = false) {
    const object = this.object(objectSlug);
    if (!object.attributes.has(attribute))
      throw attioNotFound(`Attribute with slug/ID "${attribute}" not found.`);
    const all = this.record(objectSlug, recordId).values.get(attribute) ?? [];
    return (showHistoric ? all : all.filter((v) => !v.active_until)).map(renderValue);
  }

  private parseValues(object: ObjectDef | ListDef, values: Record<string, unknown>) {
    if (!values || typeof values !== 'object' || Array.isArray(values)) {
      throw attioInvalid('validation_type', 'Body "data.values" must be an object keyed by attribute slug.');
    }
    const parsed = new Map<string, ValuePayload[]>();
    for (const [slug, raw] of Object.entries(values)) {
      const attr = object.attributes.get(slug);
      if (!attr) throw attioInvalid('value_not_found', `Cannot find attribute with slug/ID "${slug}".`);
      parsed.set(slug, parseInputValues(attr, raw));
    }
    return parsed;
  }

  private createParsed(object: ObjectDef, parsed: Map<string, ValuePayload[]>, actor: Actor) {
    for (const attr of object.attributes.values()) {
      if (attr.is_required && !parsed.get(attr.api_slug)?.length) {
        throw attioInvalid(
          'missing_value',
          `Required value for attribute with slug "${attr.api_slug}" was not provided.`,
        );
      }
    }
    for (const [slug, payloads] of parsed) {
      const attr = object.attributes.get(slug)!;
      if (!attr.is_unique) continue;
      const index = object.uniqueIndex.get(slug);
      for (const p of payloads) {
        if (index?.has(mainField(attr.type, p))) {
          throw attioInvalid(
            'uniqueness_conflict',
            `A record with ${slug} "${String(mainField(attr.type, p))}" already exists.`,
          );
        }
      }
    }
    const record: StoredRecord = {
      record_id: this.nextId(),
      object: object.api_slug,
      created_at: this.stamp(),
      values: new Map(),
    };
    this.records.set(record.record_id, record);
    this.recordsByObject.get(object.api_slug)!.push(record);
    this.applyValues(object, record, parsed, actor);
    return this.renderRecord(record);
  }

  /**
   * Write parsed values into a record, keeping history: a value that stays keeps its version (and
   * its author); a removed one is closed with `active_until`; a new one opens a version by `actor`.
   * `appendTo` names the attribute(s) whose existing values are kept ('*' = every multiselect).
   */
  private applyValues(
    owner: ObjectDef | ListDef,
    row: { values: Map<string, StoredValue[]>; record_id: string },
    parsed: Map<string, ValuePayload[]>,
    actor: Actor,
    appendTo?: string,
  ) {
    const at = this.stamp();
    const index = 'uniqueIndex' in owner ? owner.uniqueIndex : undefined;
    for (const [slug, payloads] of parsed) {
      const attr = owner.attributes.get(slug)!;
      const history = row.values.get(slug) ?? [];
      const active = history.filter((v) => !v.active_until);
      const append = attr.is_multiselect && (appendTo === '*' || appendTo === slug);
      for (const v of active) {
        if (!append && !payloads.some((p) => samePayload(p, v.payload))) {
          v.active_until = at;
          if (attr.is_unique) index?.get(slug)?.delete(mainField(attr.type, v.payload));
        }
      }
      for (const p of payloads) {
        if (active.some((v) => !v.active_until && samePayload(p, v.payload))) continue;
        history.push({
          active_from: at,
          active_until: null,
          created_by_actor: actor,
          attribute_type: attr.type,
          payload: p,
        });
        if (attr.is_unique && index) {
          const slugIndex = index.get(slug) ?? new Map<unknown, string>();
          slugIndex.set(mainField(attr.type, p), row.record_id);
          index.set(slug, slugIndex);
        }
      }
      row.values.set(slug, history);
    }
  }

  private renderValues(owner: ObjectDef | ListDef, values: Map<string, StoredValue[]>) {
    const out: Record<string, ReturnType<typeof renderValue>[]> = {};
    for (const slug of owner.attributes.keys()) {
      out[slug] = (values.get(slug) ?? []).filter((v) => !v.active_until).map(renderValue);
    }
    return out;
  }

  private renderRecord(r: StoredRecord) {
    const object = this.objects.get(r.object)!;
    return {
      id: { workspace_id: this.workspaceId, object_id: object.object_id, record_id: r.record_id },
      created_at: r.created_at,
      web_url: `https://app.attio.com/${this.workspaceId}/${r.object}/${r.record_id}`,
      values: this.renderValues(object, r.values),
    };
  }

  /**
   * Load a record as it already stands in the CRM (the seed): given id, creation time and each
   * value's author and start. Attributes the seed uses but the object lacks are created, with the
   * type read off the value (number, checkbox, timestamp, select for lists of words, else text).
   */
  seedRecord(
    objectSlug: string,
    seed: {
      recordId: string;
      createdAt: string;
      values: { attribute: string; value: unknown; actor: Actor; activeFrom: string }[];
    },
  ) {
    const object = this.object(objectSlug);
    if (this.records.has(seed.recordId)) throw attioSlugConflict(`Record ${seed.recordId} already exists.`);
    const record: StoredRecord = {
      record_id: seed.recordId,
      object: object.api_slug,
      created_at: seed.createdAt,
      values: new Map(),
    };
    this.records.set(record.record_id, record);
    this.recordsByObject.get(object.api_slug)!.push(record);
    const ordered = [...seed.values].sort((a, b) => a.activeFrom.localeCompare(b.activeFrom));
    for (const v of ordered) {
      let attr = object.attributes.get(v.attribute);
      if (!attr) {
        const type = inferType(v.value);
        attr = this.addAttribute(
          object,
          {
            api_slug: v.attribute,
            title: v.attribute.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
            type,
            is_multiselect: Array.isArray(v.value),
          },
          false,
        );
      }
      if (attr.type === 'select') {
        for (const title of Array.isArray(v.value) ? v.value : [v.value]) {
          if (typeof title === 'string' && !attr.options!.some((o) => o.title === title)) {
            attr.options!.push({ option_id: this.nextId(), title, is_archived: false });
          }
        }
      }
      const payloads = parseInputValues(attr, v.value);
      const at = this.now;
      this.now = () => new Date(v.activeFrom);
      try {
        this.applyValues(object, record, new Map([[attr.api_slug, payloads]]), v.actor);
      } finally {
        this.now = at;
      }
    }
    return this.renderRecord(record);
  }

  // ── notes ────────────────────────────────────────────────────────────────

  createNote(
    data: { parent_object: string; parent_record_id: string; title: string; format: string; content: string },
    actor: Actor,
  ) {
    for (const key of ['parent_object', 'parent_record_id', 'title', 'content'] as const) {
      if (typeof data?.[key] !== 'string')
        throw attioInvalid('validation_type', `Note "${key}" must be a string.`);
    }
    if (data.format !== 'plaintext' && data.format !== 'markdown') {
      throw attioInvalid('validation_type', 'Note "format" must be "plaintext" or "markdown".');
    }
    const object = this.object(data.parent_object);
    this.record(object.api_slug, data.parent_record_id);
    const note: StoredNote = {
      note_id: this.nextId(),
      parent_object: object.api_slug,
      parent_record_id: data.parent_record_id,
      title: data.title,
      format: data.format,
      content: data.content,
      created_by_actor: actor,
      created_at: this.stamp(),
    };
    this.notes.push(note);
    return this.renderNote(note);
  }

  listNotes(
    opts: { parent_object?: string; parent_record_id?: string; limit?: number; offset?: number } = {},
  ) {
    const limit = Math.min(opts.limit ?? 10, 50);
    const offset = checkOffset(opts.offset);
    return this.notes
      .filter((n) => !opts.parent_object || n.parent_object === opts.parent_object)
      .filter((n) => !opts.parent_record_id || n.parent_record_id === opts.parent_record_id)
      .slice(offset, offset + limit)
      .map((n) => this.renderNote(n));
  }

  private renderNote(n: StoredNote) {
    return {
      id: { workspace_id: this.workspaceId, note_id: n.note_id },
      parent_object: n.parent_object,
      parent_record_id: n.parent_record_id,
      title: n.title,
      content_plaintext: n.content,
      content_markdown: n.content,
      created_by_actor: n.created_by_actor,
      created_at: n.created_at,
    };
  }

  // ── lists and entries ────────────────────────────────────────────────────

  /** Lists are created in the Attio UI; the seed (or a test) makes them here. */
  createList(data: {
    api_slug: string;
    name: string;
    parent_object: string;
    attributes?: { api_slug: string; title: string; type: AttributeType; options?: string[] }[];
  }) {
    if (this.lists.has(data.api_slug))
      throw attioSlugConflict(`A list with slug "${data.api_slug}" already exists.`);
    const list: ListDef = {
      list_id: this.nextId(),
      api_slug: data.api_slug,
      name: data.name,
      parent_object: this.object(data.parent_object).api_slug,
      created_at: this.stamp(),
      created_by_actor: SYSTEM_ACTOR,
      attributes: new Map(),
    };
    for (const a of data.attributes ?? []) this.addAttribute(list, a, false);
    this.lists.set(list.api_slug, list);
    this.entries.set(list.api_slug, []);
    return this.renderList(list);
  }

  /**
   * `POST /v2/lists`: a new list over an object. Attio requires `workspace_access` (or a member
   * with full access) and a unique `api_slug`; the creator is the token's actor.
   */
  createListByApi(data: Record<string, unknown>, actor: Actor) {
    const name = typeof data.name === 'string' ? data.name.trim() : '';
    const slug = typeof data.api_slug === 'string' ? data.api_slug : '';
    if (!name) throw attioInvalid('missing_value', 'List needs a "name".');
    if (!/^[a-z][a-z0-9_]*$/.test(slug))
      throw attioInvalid('validation_type', 'List "api_slug" must be snake_case (a-z, 0-9, _).');
    if (typeof data.parent_object !== 'string')
      throw attioInvalid('missing_value', 'List needs a "parent_object".');
    const members = Array.isArray(data.workspace_member_access) ? data.workspace_member_access : [];
    const fullMember = members.some((m) => (m as { level?: unknown })?.level === 'full-access');
    if (data.workspace_access !== 'full-access' && !fullMember)
      throw attioInvalid(
        'value_not_found',
        'New lists need "workspace_access": "full-access" or a workspace member with full access.',
      );
    const created = this.createList({ api_slug: slug, name, parent_object: data.parent_object });
    this.lists.get(slug)!.created_by_actor = actor;
    return { ...created, created_by_actor: actor };
  }

  /** `DELETE /v2/lists/{list}/entries/{entry_id}`: 404 when the entry is not on the list. */
  deleteEntry(listSlug: string, entryId: string) {
    const list = this.list(listSlug);
    const rows = this.entries.get(list.api_slug)!;
    const at = rows.findIndex((e) => e.entry_id === entryId);
    if (at < 0) throw attioNotFound(`List entry with ID "${entryId}" not found.`);
    rows.splice(at, 1);
    return {};
  }

  private list(slugOrId: string): ListDef {
    const found = this.lists.get(slugOrId) ?? [...this.lists.values()].find((l) => l.list_id === slugOrId);
    if (!found) throw attioNotFound(`List with slug/ID "${slugOrId}" not found.`);
    return found;
  }

  listLists() {
    return [...this.lists.values()].map((l) => this.renderList(l));
  }

  private renderList(l: ListDef) {
    return {
      id: { workspace_id: this.workspaceId, list_id: l.list_id },
      api_slug: l.api_slug,
      name: l.name,
      parent_object: [l.parent_object],
      workspace_access: 'full-access',
      workspace_member_access: [],
      created_by_actor: l.created_by_actor,
      created_at: l.created_at,
    };
  }

  /** `PUT /v2/lists/{list}/entries`: update the entry of a parent record, or create it. */
  assertEntry(
    listSlug: string,
    data: { parent_record_id: string; parent_object: string; entry_values?: Record<string, unknown> },
    actor: Actor,
  ) {
    const list = this.list(listSlug);
    if (typeof data?.parent_record_id !== 'string' || typeof data.parent_object !== 'string') {
      throw attioInvalid('validation_type', 'Entry needs "parent_record_id" and "parent_object".');
    }
    if (this.object(data.parent_object).api_slug !== list.parent_object) {
      throw attioInvalid('validation_type', `List "${list.api_slug}" holds ${list.parent_object} records.`);
    }
    this.record(data.parent_object, data.parent_record_id);
    const parsed = this.parseValues(list, data.entry_values ?? {});
    const rows = this.entries.get(list.api_slug)!;
    const matches = rows.filter((e) => e.parent_record_id === data.parent_record_id);
    if (matches.length > 1) {
      throw attioInvalid('multiple_match_results', 'Multiple entries exist for this parent record.');
    }
    let entry = matches[0];
    if (!entry) {
      entry = {
        entry_id: this.nextId(),
        record_id: '',
        list: list.api_slug,
        parent_object: list.parent_object,
        parent_record_id: data.parent_record_id,
        created_at: this.stamp(),
        values: new Map(),
      };
      entry.record_id = entry.entry_id;
      rows.push(entry);
    }
    this.applyValues(list, entry, parsed, actor);
    return this.renderEntry(list, entry);
  }

  queryEntries(listSlug: string, opts: QueryOptions = {}) {
    const list = this.list(listSlug);
    const limit = checkLimit(opts.limit);
    const offset = checkOffset(opts.offset);
    const match = compileFilter(opts.filter, list.attributes);
    let rows = this.entries.get(list.api_slug)!.filter(match);
    if (opts.sorts?.length) rows = sortRows(rows, opts.sorts, list.attributes);
    return rows.slice(offset, offset + limit).map((e) => this.renderEntry(list, e));
  }

  private renderEntry(list: ListDef, e: StoredEntry) {
    return {
      id: { workspace_id: this.workspaceId, list_id: list.list_id, entry_id: e.entry_id },
      parent_record_id: e.parent_record_id,
      parent_object: e.parent_object,
      created_at: e.created_at,
      entry_values: this.renderValues(list, e.values),
    };
  }
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function inferType(value: unknown): AttributeType {
  if (value && typeof value === 'object' && 'referenced_actor_type' in value) return 'actor-reference';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'checkbox';
  if (Array.isArray(value)) return 'select';
  if (typeof value === 'string' && ISO_TIMESTAMP.test(value)) return 'timestamp';
  return 'text';
}

function renderAttribute(a: AttributeDef) {
  return {
    id: a.ids,
    title: a.title,
    description: a.description,
    api_slug: a.api_slug,
    type: a.type,
    is_system_attribute: a.is_system_attribute,
    is_writable: a.is_writable,
    is_required: a.is_required,
    is_unique: a.is_unique,
    is_multiselect: a.is_multiselect,
    is_default_value_enabled: false,
    is_archived: false,
    default_value: null,
    relationship: null,
    created_at: a.created_at,
    config: {
      currency: { default_currency_code: null, display_type: null },
      record_reference: { allowed_object_ids: null },
    },
  };
}

function checkLimit(limit: unknown): number {
  if (limit === undefined || limit === null) return 500;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw attioInvalid(
      'validation_type',
      `"limit" must be an integer from 1 to 500, got ${JSON.stringify(limit)}.`,
    );
  }
  return limit;
}

function checkOffset(offset: unknown): number {
  if (offset === undefined || offset === null) return 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw attioInvalid(
      'validation_type',
      `"offset" must be a non-negative integer, got ${JSON.stringify(offset)}.`,
    );
  }
  return offset;
}

function sortRows<T extends FilterableRecord>(
  rows: T[],
  sorts: NonNullable<QueryOptions['sorts']>,
  attributes: ReadonlyMap<string, AttributeShape>,
): T[] {
  const keys = sorts.map((s) => {
    const attr = s.attribute ? attributes.get(s.attribute) : undefined;
    if (!attr) throw attioInvalid('filter_error', `Cannot sort by unknown attribute "${s.attribute}".`);
    return { attr, dir: s.direction === 'desc' ? -1 : 1 };
  });
  const first = (r: T, attr: AttributeShape) => {
    const v = r.values.get(attr.api_slug)?.find((x) => !x.active_until);
    return v ? mainField(attr.type, v.payload) : undefined;
  };
  return [...rows].sort((a, b) => {
    for (const { attr, dir } of keys) {
      const x = first(a, attr);
      const y = first(b, attr);
      if (x === y) continue;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      const less = typeof x === 'number' && typeof y === 'number' ? x < y : String(x) < String(y);
      return (less ? -1 : 1) * dir;
    }
    return 0;
  });
}
