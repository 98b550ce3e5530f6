import fc from 'fast-check';
import type { AnyJson } from '../../support/index.js';

/**
 * Values for a route's body and query, derived from the JSON Schema in the OpenAPI document: one
 * plain valid sample (`sampleOf`), fast-check arbitraries of schema-shaped values (`validArbitrary`,
 * which often stray outside the schema's ranges on purpose) and of hostile ones (`hostileArbitrary`).
 */

type Schema = AnyJson;

const firstNonNull = (types: unknown) =>
  Array.isArray(types)
    ? (types.find((t) => t !== 'null') as string | undefined)
    : (types as string | undefined);

function variants(schema: Schema): Schema[] | undefined {
  const list = schema?.anyOf ?? schema?.oneOf;
  return Array.isArray(list) ? list : undefined;
}

function typeOf(schema: Schema): string | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  if (schema.type) return firstNonNull(schema.type);
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/**
 * A small valid value for a schema: required properties only, the first enum value, bounds respected.
 *
 * @example
 * sampleOf({ type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }); // { name: 'h8-sample' }
 */
export function sampleOf(schema: Schema): unknown {
  if (!schema || typeof schema !== 'object') return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum.find((v: unknown) => v !== null) ?? schema.enum[0];
  if ('default' in schema) return schema.default;
  const alternatives = variants(schema);
  if (alternatives) {
    const pick = alternatives.find((s) => typeOf(s) !== 'null') ?? alternatives[0];
    return sampleOf(pick);
  }
  if (Array.isArray(schema.allOf)) return sampleOf(Object.assign({}, ...schema.allOf));
  switch (typeOf(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of (schema.required ?? []) as string[]) out[key] = sampleOf(schema.properties?.[key]);
      return out;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(schema.items));
    case 'string':
      return sampleString(schema);
    case 'integer':
    case 'number': {
      const min =
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : undefined);
      const max =
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : undefined);
      if (min !== undefined) return Math.ceil(min);
      if (max !== undefined) return Math.min(1, Math.floor(max));
      return 1;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

function sampleString(schema: Schema): string {
  switch (schema.format) {
    case 'email':
      return 'h8-sample@example.test';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'date-time':
      return new Date('2025-01-01T00:00:00Z').toISOString();
    case 'date':
      return '2025-01-01';
  }
  const min = schema.minLength ?? 1;
  const base = 'h8-sample';
  const value = base.length >= min ? base : base + 'x'.repeat(min - base.length);
  return schema.maxLength !== undefined ? value.slice(0, Math.max(min, schema.maxLength)) : value;
}

/** Strings that have broken parsers, ORMs and path handling elsewhere. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  "' OR 1=1 --",
  '"; drop table accounts; --',
  '../../etc/passwd',
  '%00',
  '%',
  '\\',
  '$'.concat('{7*7}'),
  '{{7*7}}',
  '<script>alert(1)</script>',
  '😀'.repeat(50),
  '\ud800',
  'a'.repeat(10_000),
  '__proto__',
  'constructor',
  '1e309',
  'NaN',
  '-0',
  'null',
  'true',
  '2025-13-45T99:99:99Z',
  'http://169.254.169.254/latest/meta-data/',
];

const NASTY_NUMBERS = [
  0,
  -1,
  -0,
  1.5,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  1e308,
  -1e308,
  Number.MIN_VALUE,
  2 ** 31,
  2 ** 63,
];

/** Any JSON value (the wrong type for most fields). */
const anyJson = fc.oneof(
  { depthSize: 'small' },
  fc.constantFrom(...NASTY_STRINGS),
  fc.constantFrom(...NASTY_NUMBERS),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * Schema-shaped values: the right shape, with strings, numbers and array sizes drawn from hostile
 * pools so bounds, formats and enums are probed from both sides.
 */
export function validArbitrary(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object' || depth > 6) return anyJson;
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum))
    return fc.oneof(fc.constantFrom(...schema.enum), fc.constantFrom(...NASTY_STRINGS));
  const alternatives = variants(schema);
  if (alternatives) return fc.oneof(...alternatives.map((s) => validArbitrary(s, depth + 1)));
  switch (typeOf(schema)) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>((schema.required ?? []) as string[]);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, prop] of Object.entries(properties)) record[key] = validArbitrary(prop, depth + 1);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
    }
    case 'array':
      return fc.array(validArbitrary(schema.items, depth + 1), {
        maxLength: Math.min(schema.maxItems !== undefined ? schema.maxItems + 2 : 8, 60),
      });
    case 'string':
      return fc.oneof(
        fc.constant(sampleOf(schema)),
        fc.string({ maxLength: schema.maxLength !== undefined ? schema.maxLength + 5 : 40 }),
        fc.constantFrom(...NASTY_STRINGS),
      );
    case 'integer':
    case 'number':
      return fc.oneof(
        fc.constant(sampleOf(schema)),
        fc.integer(),
        fc.double({ noNaN: true }),
        fc.constantFrom(...NASTY_NUMBERS),
      );
    case 'boolean':
      return fc.boolean();
    default:
      return anyJson;
  }
}

/**
 * Body texts of the wrong shape: schema-shaped values, the same with an unknown or prototype key
 * added, and arbitrary JSON.
 */
export function hostileBodyText(schema: Schema): fc.Arbitrary<string> {
  const shaped = validArbitrary(schema);
  const extraKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'unknownField', '');
  return fc.oneof(
    shaped.map((v) => JSON.stringify(v) ?? 'null'),
    fc.tuple(shaped, extraKey, anyJson).map(([value, key, extra]) => {
      const text = JSON.stringify(value) ?? 'null';
      if (!text.startsWith('{')) return text;
      const inner = text.slice(1, -1);
      return `{${JSON.stringify(key)}:${JSON.stringify(extra) ?? 'null'}${inner ? `,${inner}` : ''}}`;
    }),
    anyJson.map((v) => JSON.stringify(v) ?? 'null'),
  );
}

/** A JSON document nested `depth` levels deep (arrays or objects). */
export function deeplyNested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
