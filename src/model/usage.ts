/**
 * Usage facts: how often an account did an event on a UTC day. Usage records are many (one per
 * account × day × event), so a usage mapping is declarative: the top-level JSON fields of the
 * record holding each part. The ingest reads them in set-based SQL on both dialects.
 */

/** One usage day as a source reports it. */
export interface UsageDay {
  /** The account key (e.g. a group key or a domain) the counts belong to. */
  key: string;
  /** UTC day, `YYYY-MM-DD` (a longer ISO timestamp is cut to its day). */
  day: string;
  event: string;
  count: number;
  /** Distinct people behind the count, when the source knows (0 otherwise). */
  persons: number;
}

/** Where the parts of a usage day sit in a record: top-level field names. */
export interface UsageFields {
  key: string;
  day: string;
  event: string;
  count: string;
  /** Optional: distinct people. */
  persons?: string;
  /**
   * When each record's external id starts with its key and this separator (`<key>|…`), re-deriving
   * one key's usage reads an index range instead of the whole stream.
   */
  externalIdKeySeparator?: string;
}

/** Field names are identifiers from code, never user input: still, only these shapes are accepted. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Check a usage mapping: every field name is a plain identifier (so it can sit in a JSON path).
 * Throws naming the bad field.
 *
 * @example assertUsageFields({ key: 'group_key', day: 'day', event: 'event', count: 'count' })
 */
export function assertUsageFields(fields: UsageFields): UsageFields {
  for (const part of ['key', 'day', 'event', 'count', 'persons'] as const) {
    const name = fields[part];
    if (name === undefined && part === 'persons') continue;
    if (typeof name !== 'string' || !FIELD.test(name))
      throw new Error(
        `Usage field "${part}" must be a plain field name matching ${FIELD}, got ${String(name)}.`,
      );
  }
  const sep = fields.externalIdKeySeparator;
  if (sep !== undefined && (sep.length !== 1 || /[A-Za-z0-9]/.test(sep)))
    throw new Error('Usage externalIdKeySeparator must be one punctuation character, e.g. "|".');
  return fields;
}

/**
 * A usage record's parts by the mapping, or null when the record is not shaped like it.
 *
 * @example usageDayOf({ key: 'k', day: 'd', event: 'e', count: 'n' }, { k: 'acme.io', d: '2025-03-01', e: 'login', n: 3 })
 */
export function usageDayOf(fields: UsageFields, record: Record<string, unknown>): UsageDay | null {
  const key = record[fields.key];
  const day = record[fields.day];
  const event = record[fields.event];
  if (typeof key !== 'string' || typeof event !== 'string' || typeof day !== 'string') return null;
  const count = Number(record[fields.count]);
  const persons = fields.persons === undefined ? 0 : Number(record[fields.persons]);
  return {
    key,
    day,
    event,
    count: Number.isFinite(count) ? count : 0,
    persons: Number.isFinite(persons) ? persons : 0,
  };
}
