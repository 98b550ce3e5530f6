/**
 * CRM values as Beton reads and writes them, with who set each one: a person (what the default
 * field policy protects) or a tool. A destination maps its own value format to these.
 */

/** A value Beton writes or reads back: `null` = empty. */
export type CrmValue = string | number | boolean | null;

/** Who set a value in the CRM. `person` is what `never_overwrite_human` protects. */
export type ValueAuthor = 'person' | 'integration' | 'system' | 'unknown';

/** A value the CRM holds now, with its author. */
export interface CurrentValue {
  value: CrmValue;
  author: ValueAuthor;
}
