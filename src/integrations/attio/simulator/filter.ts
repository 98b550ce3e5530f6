import { attioInvalid } from './errors.js';
import { type AttributeShape, mainField, type StoredValue } from './values.js';

/** What a filter looks at: a record id and its values per attribute slug (history included). */
export interface FilterableRecord {
  record_id: string;
  values: ReadonlyMap<string, readonly StoredValue[]>;
}

export type RecordPredicate = (record: FilterableRecord) => boolean;
type ValuePredicate = (field: unknown) => boolean;

const COMPARISON_OPS = new Set([
  '$eq',
  '$in',
  '$contains',
  '$starts_with',
  '$ends_with',
  '$lt',
  '$lte',
  '$gt',
  '$gte',
  '$not_empty',
]);

const filterError = (message: string) => attioInvalid('filter_error', message);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const lower = (v: unknown) => String(v).toLowerCase();

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** One `{$op: operand}` object → a test on a single field value. */
function compileOps(ops: Record<string, unknown>, where: string): ValuePredicate {
  const tests: ValuePredicate[] = [];
  for (const [op, operand] of Object.entries(ops)) {
    if (!COMPARISON_OPS.has(op)) throw filterError(`Unknown filter operator "${op}" on ${where}.`);
    switch (op) {
      case '$eq':
        tests.push((f) => f === operand);
        break;
      case '$in':
        if (!Array.isArray(operand)) throw filterError(`$in on ${where} needs an array.`);
        tests.push((f) => operand.includes(f));
        break;
      case '$contains':
        tests.push((f) => f != null && lower(f).includes(lower(operand)));
        break;
      case '$starts_with':
        tests.push((f) => f != null && lower(f).startsWith(lower(operand)));
        break;
      case '$ends_with':
        tests.push((f) => f != null && lower(f).endsWith(lower(operand)));
        break;
      case '$lt':
        tests.push((f) => f != null && compare(f, operand) < 0);
        break;
      case '$lte':
        tests.push((f) => f != null && compare(f, operand) <= 0);
        break;
      case '$gt':
        tests.push((f) => f != null && compare(f, operand) > 0);
        break;
      case '$gte':
        tests.push((f) => f != null && compare(f, operand) >= 0);
        break;
    }
  }
  return (f) => tests.every((t) => t(f));
}

/** Shorthand `"x"`, operators `{$eq:"x"}`, or a property path `{domain:{$eq:"x"}}`. */
function compileAttributeCondition(attr: AttributeShape, condition: unknown): RecordPredicate {
  const where = `attribute "${attr.api_slug}"`;
  const active = (r: FilterableRecord) => (r.values.get(attr.api_slug) ?? []).filter((v) => !v.active_until);

  if (isPlainObject(condition) && '$not_empty' in condition) {
    const want = condition.$not_empty !== false;
    return (r) => active(r).length > 0 === want;
  }

  let test: (v: StoredValue) => boolean;
  if (!isPlainObject(condition)) {
    test = (v) => mainField(attr.type, v.payload) === condition;
  } else if (Object.keys(condition).every((k) => k.startsWith('$'))) {
    const ops = compileOps(condition, where);
    test = (v) => ops(mainField(attr.type, v.payload));
  } else {
    const props = Object.entries(condition).map(([prop, sub]) => {
      const ops = isPlainObject(sub) ? compileOps(sub, `${where}.${prop}`) : (f: unknown) => f === sub;
      return (v: StoredValue) => {
        const field = v.payload[prop];
        return ops(isPlainObject(field) && 'title' in field ? field.title : field);
      };
    });
    test = (v) => props.every((p) => p(v));
  }
  return (r) => active(r).some(test);
}

/**
 * Compile an Attio filter into a predicate, validating it first (an unknown attribute or operator
 * is Attio's 400 `filter_error`, raised before any record is scanned).
 *
 * @example
 * const match = compileFilter({ domains: { domain: { $in: ['acme.com'] } } }, attributesBySlug);
 * records.filter(match);
 */
export function compileFilter(
  filter: unknown,
  attributes: ReadonlyMap<string, AttributeShape>,
): RecordPredicate {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw filterError('The filter must be an object.');
  const parts: RecordPredicate[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition)) throw filterError(`${key} needs an array of filters.`);
      const subs = condition.map((c) => compileFilter(c, attributes));
      parts.push(key === '$and' ? (r) => subs.every((s) => s(r)) : (r) => subs.some((s) => s(r)));
    } else if (key === '$not') {
      const sub = compileFilter(condition, attributes);
      parts.push((r) => !sub(r));
    } else if (key === 'record_id') {
      const ops = isPlainObject(condition)
        ? compileOps(condition, 'record_id')
        : (f: unknown) => f === condition;
      parts.push((r) => ops(r.record_id));
    } else {
      const attr = attributes.get(key);
      if (!attr) throw filterError(`Unknown attribute slug "${key}" in filter.`);
      parts.push(compileAttributeCondition(attr, condition));
    }
  }
  return (r) => parts.every((p) => p(r));
}
