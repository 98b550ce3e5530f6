import type {
  DestinationAttribute,
  DestinationRecord,
  FieldMapping,
  PushSignal,
  PushValue,
} from './types.js';

/** One record write: the values to set (`null` clears a field). */
export interface RecordWrite {
  key: string;
  name: string;
  /** True when the destination does not have the record yet (send the identifying fields too). */
  create: boolean;
  values: Record<string, PushValue>;
}

/**
 * What the push needs from a CRM. Each destination implements it over its own client; the plan,
 * apply and rollback logic is written once against it.
 *
 * @example
 * const dest = attioDestination(attioClient);
 * const current = await dest.readRecords(['acme.com']);
 */
export interface PushDestination {
  readonly name: string;
  /** Attributes the destination's company object has now. */
  listAttributes(signal?: AbortSignal): Promise<DestinationAttribute[]>;
  /** Create a missing attribute; one that already exists counts as ensured (`created: false`). */
  ensureAttribute(mapping: FieldMapping, signal?: AbortSignal): Promise<{ created: boolean }>;
  /** What the destination holds for these keys now, with who set each value. */
  readRecords(
    keys: readonly string[],
    mapping: readonly FieldMapping[],
    signal?: AbortSignal,
  ): Promise<Map<string, DestinationRecord>>;
  /** Update or create one record by key (idempotent: retrying cannot make a duplicate). */
  writeRecord(
    write: RecordWrite,
    mapping: readonly FieldMapping[],
    signal?: AbortSignal,
  ): Promise<{ recordId: string }>;
  /** A note on a record announcing a signal. */
  createNote(recordId: string, signal: PushSignal, abort?: AbortSignal): Promise<{ noteId: string }>;
  /** Write calls made through this destination so far. */
  readonly writeCount: number;
}
