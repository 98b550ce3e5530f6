import { attioInvalid } from './errors.js';

/** Who wrote a value. `workspace-member` is a person; Beton's own writes are `api-token`. */
export type ActorType = 'workspace-member' | 'api-token' | 'system' | 'app';
export interface Actor {
  type: ActorType | null;
  id: string | null;
}

/** The attribute types the simulator stores (the ones Beton reads or writes, and the seed uses). */
export const SUPPORTED_TYPES = [
  'text',
  'number',
  'checkbox',
  'currency',
  'date',
  'timestamp',
  'rating',
  'select',
  'domain',
  'email-address',
  'personal-name',
  'record-reference',
  'actor-reference',
] as const;
export type AttributeType = (typeof SUPPORTED_TYPES)[number];

export interface SelectOption {
  option_id: string;
  title: string;
  is_archived: boolean;
}

/** The part of an attribute definition value handling needs. */
export interface AttributeShape {
  api_slug: string;
  type: AttributeType;
  is_multiselect: boolean;
  options?: SelectOption[];
  ids: { workspace_id: string; object_id: string; attribute_id: string };
}

/** A value's type-specific fields, e.g. `{value: 42}` or `{domain, root_domain}`. */
export type ValuePayload = Record<string, unknown>;

/** One version of one value: history is kept by closing `active_until` instead of deleting. */
export interface StoredValue {
  active_from: string;
  active_until: string | null;
  created_by_actor: Actor;
  attribute_type: AttributeType;
  payload: ValuePayload;
}

const TWO_LEVEL_SUFFIX = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu']);

/** `app.eu.acme.co.uk` → `acme.co.uk`: the registrable part Attio reports as `root_domain`. */
export function rootDomain(domain: string): string {
  const labels = domain.split('.');
  if (labels.length <= 2) return domain;
  const take = labels.at(-1)!.length === 2 && TWO_LEVEL_SUFFIX.has(labels.at(-2)!) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** Attio stores domains bare: no scheme, no path, no `www.`, lower case. */
export function normalizeDomain(input: string): string {
  let d = input.trim().toLowerCase();
  d = d.replace(/^[a-z]+:\/\//, '').replace(/[/?#].*$/, '');
  if (d.startsWith('www.')) d = d.slice(4);
  return d;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function typeError(attr: AttributeShape, raw: unknown, expected: string) {
  return attioInvalid(
    'validation_type',
    `Invalid value was passed to attribute with slug "${attr.api_slug}": expected ${expected}, got ${JSON.stringify(raw)}.`,
  );
}

/** The object form `{value: x}` and the bare form `x` are both accepted for simple types. */
function unwrap(raw: unknown, key: string): unknown {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && key in raw) {
    return (raw as Record<string, unknown>)[key];
  }
  return raw;
}

/**
 * Turn one written value (as a client sends it) into the stored payload, or throw Attio's 400.
 *
 * @example
 * parseInputValue(numberAttr, 42);            // { value: 42 }
 * parseInputValue(domainsAttr, 'www.Acme.com'); // { domain: 'acme.com', root_domain: 'acme.com' }
 */
export function parseInputValue(attr: AttributeShape, raw: unknown): ValuePayload {
  switch (attr.type) {
    case 'text': {
      const v = unwrap(raw, 'value');
      if (typeof v !== 'string') throw typeError(attr, raw, 'a string');
      return { value: v };
    }
    case 'number':
    case 'rating': {
      const v = unwrap(raw, 'value');
      if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(attr, raw, 'a number');
      if (attr.type === 'rating' && (v < 0 || v > 5 || !Number.isInteger(v)))
        throw typeError(attr, raw, 'an integer rating from 0 to 5');
      return { value: v };
    }
    case 'checkbox': {
      const v = unwrap(raw, 'value');
      if (typeof v !== 'boolean') throw typeError(attr, raw, 'a boolean');
      return { value: v };
    }
    case 'currency': {
      const v = unwrap(raw, 'currency_value');
      if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(attr, raw, 'a number');
      return { currency_value: v, currency_code: 'USD' };
    }
    case 'date': {
      const v = unwrap(raw, 'value');
      if (typeof v !== 'string' || !ISO_DATE.test(v)) throw typeError(attr, raw, 'a date (YYYY-MM-DD)');
      return { value: v };
    }
    case 'timestamp': {
      const v = unwrap(raw, 'value');
      if (typeof v !== 'string' || Number.isNaN(Date.parse(v)))
        throw typeError(attr, raw, 'an ISO-8601 timestamp');
      return { value: new Date(v).toISOString() };
    }
    case 'domain': {
      const v = unwrap(raw, 'domain');
      if (typeof v !== 'string') throw typeError(attr, raw, 'a domain string');
      const domain = normalizeDomain(v);
      if (!DOMAIN.test(domain)) throw typeError(attr, raw, 'a domain such as "acme.com"');
      return { domain, root_domain: rootDomain(domain) };
    }
    case 'email-address': {
      const v = unwrap(raw, 'email_address');
      if (typeof v !== 'string' || !EMAIL.test(v.trim())) throw typeError(attr, raw, 'an email address');
      const original = v.trim();
      const email = original.toLowerCase();
      const [local, domain] = email.split('@') as [string, string];
      return {
        original_email_address: original,
        email_address: email,
        email_domain: domain,
        email_root_domain: rootDomain(domain),
        email_local_specifier: local,
      };
    }
    case 'personal-name': {
      if (typeof raw === 'string') {
        const [first = '', ...rest] = raw.trim().split(/\s+/);
        return { first_name: first, last_name: rest.join(' '), full_name: raw.trim() };
      }
      if (raw && typeof raw === 'object') {
        const r = raw as Record<string, unknown>;
        const first = typeof r.first_name === 'string' ? r.first_name : '';
        const last = typeof r.last_name === 'string' ? r.last_name : '';
        const full = typeof r.full_name === 'string' ? r.full_name : `${first} ${last}`.trim();
        return { first_name: first, last_name: last, full_name: full };
      }
      throw typeError(attr, raw, 'a name');
    }
    case 'select': {
      const v = unwrap(raw, 'option');
      const wanted = typeof v === 'string' ? v : undefined;
      const option = attr.options?.find(
        (o) => !o.is_archived && (o.title === wanted || o.option_id === wanted),
      );
      if (!option) {
        throw attioInvalid(
          'value_not_found',
          `Select option "${String(v)}" was not found on attribute with slug "${attr.api_slug}".`,
        );
      }
      return {
        option: { id: { ...attr.ids, option_id: option.option_id }, title: option.title, is_archived: false },
      };
    }
    case 'record-reference': {
      if (!raw || typeof raw !== 'object') throw typeError(attr, raw, '{target_object, target_record_id}');
      const r = raw as Record<string, unknown>;
      if (typeof r.target_object !== 'string' || typeof r.target_record_id !== 'string')
        throw typeError(attr, raw, '{target_object, target_record_id}');
      return { target_object: r.target_object, target_record_id: r.target_record_id };
    }
    case 'actor-reference': {
      const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      if (r.referenced_actor_type !== 'workspace-member' || typeof r.referenced_actor_id !== 'string')
        throw typeError(attr, raw, "{referenced_actor_type: 'workspace-member', referenced_actor_id}");
      return { referenced_actor_type: 'workspace-member', referenced_actor_id: r.referenced_actor_id };
    }
  }
}

/**
 * Normalise a written attribute value to a list of payloads: single-value attributes take a bare
 * value or a one-item array; `null` and `[]` clear the attribute.
 */
export function parseInputValues(attr: AttributeShape, raw: unknown): ValuePayload[] {
  if (raw === null || raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  if (!attr.is_multiselect && list.length > 1) {
    throw attioInvalid(
      'validation_type',
      `Attribute with slug "${attr.api_slug}" is not multiselect but ${list.length} values were given.`,
    );
  }
  return list.map((item) => parseInputValue(attr, item));
}

/** The comparable "main" field of a value: what a shorthand filter or a sort looks at. */
export function mainField(type: AttributeType, payload: ValuePayload): unknown {
  switch (type) {
    case 'domain':
      return payload.domain;
    case 'email-address':
      return payload.email_address;
    case 'personal-name':
      return payload.full_name;
    case 'select':
      return (payload.option as { title: string } | undefined)?.title;
    case 'currency':
      return payload.currency_value;
    case 'record-reference':
      return payload.target_record_id;
    case 'actor-reference':
      return payload.referenced_actor_id;
    default:
      return payload.value;
  }
}

/** A value as the API returns it: the common fields plus the type's own (`value`, `domain`, …). */
export interface RenderedValue {
  active_from: string;
  active_until: string | null;
  created_by_actor: Actor;
  attribute_type: AttributeType;
  [field: string]: unknown;
}

export function renderValue(v: StoredValue): RenderedValue {
  return {
    active_from: v.active_from,
    active_until: v.active_until,
    created_by_actor: v.created_by_actor,
    ...v.payload,
    attribute_type: v.attribute_type,
  };
}

export const samePayload = (a: ValuePayload, b: ValuePayload) => JSON.stringify(a) === JSON.stringify(b);
