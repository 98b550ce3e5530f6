import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { CrmValue, CurrentValue } from '../../model/crm.js';

/**
 * The `destination` capability: a CRM Beton pushes scores into. The platform's push engine
 * (src/push) plans, applies, reads back what people edited and rolls back, once for every
 * destination; the integration only adapts these calls to its API (one company object matched by
 * domain, attributes created on demand, optional notes).
 *
 * A destination that writes many records per call (HubSpot's batch upsert: 100 companies, a 207
 * with per-item failures) implements `writeRecords` and `batchSize`; the engine then sends batches
 * and records each item's outcome, and falls back to `writeRecord` one at a time otherwise.
 *
 * @example
 * destination: {
 *   description: 'Companies matched by domain; Beton fields as company attributes.',
 *   open: (client) => acmeDestination(client),
 * }
 */
// biome-ignore lint/suspicious/noExplicitAny: the client and settings types differ per integration.
export interface DestinationCapability<TClient = any, TSettings = any> {
  /** What is written where, for the docs and the settings card. */
  description: string;
  /** The destination over one connection's client. */
  open(client: TClient, ctx: DestinationContext<TSettings>): PushDestination;
  /**
   * The service's published write limit: the ceiling a push is measured against (`npm run bench`
   * pushes to every destination whose simulator can count its writes).
   */
  writeLimit?: { callsPerSecond: number; recordsPerCall: number };
  /**
   * The synced stream whose records are the companies this destination writes: a record of it
   * linked to an account has the company's record id as its external id (`recordUrl` links to it).
   */
  recordStream?: string;
  /**
   * The address of a company record in the service's own app, for the links in alerts and on the
   * account page. Built from the record id and what the connection's last check stored (`details`
   * of its health), with no call to the service; null when that is not enough (test the connection
   * again to store it).
   *
   * @example recordUrl: (id, { details }) => details.portalId ? `https://app.acme.com/${details.portalId}/company/${id}` : null
   */
  recordUrl?(recordId: string, connection: RecordLinkContext): string | null;
}

/** What a connection holds that a record's address may need (no secrets). */
export interface RecordLinkContext {
  /** The `details` of the connection's last health check (e.g. a portal id or workspace slug). */
  details: Readonly<Record<string, unknown>>;
}

/** What a destination may know of the connection it writes through. */
export interface DestinationContext<TSettings> {
  workspaceId: string;
  connectionId: string;
  settings: TSettings;
  logger: Logger;
  clock: Clock;
}

/** A Beton-side field an account carries, e.g. `beton_health`. */
export type PushField =
  | 'beton_health'
  | 'beton_expansion'
  | 'beton_churn_risk'
  | 'beton_fit'
  | 'beton_grade'
  | 'beton_top_signals'
  | 'beton_scored_at';

/** A value Beton writes: destinations map it to their own value format. `null` = empty. */
export type PushValue = CrmValue;

/**
 * How a field may be written when the destination already holds a value:
 * - `always`: Beton's value wins;
 * - `only_if_empty`: write only into an empty field;
 * - `never_overwrite_human`: write unless the current value was set by a person (the default).
 */
export type FieldPolicy = 'always' | 'only_if_empty' | 'never_overwrite_human';

export type DestinationAttributeType = 'number' | 'text' | 'timestamp';

/** One mapped field: a Beton field to a destination attribute. */
export interface FieldMapping {
  field: PushField;
  /** The destination attribute's slug. */
  attribute: string;
  title: string;
  description: string;
  type: DestinationAttributeType;
  policy: FieldPolicy;
}

/** What the destination holds for one record right now. */
export interface DestinationRecord {
  recordId: string;
  /** The matching key (the domain). */
  key: string;
  values: Record<string, CurrentValue | undefined>;
}

/** An attribute the destination already has. */
export interface DestinationAttribute {
  slug: string;
  type: string;
}

/** A signal occurrence the optional note feature announces on the CRM record. */
export interface PushSignal {
  /** The occurrence id: one note per occurrence, ever. */
  id: string;
  key: string;
  title: string;
  priority: 'high' | 'medium' | 'low';
  firedAt: string;
  explanation: string;
}

/** One record write: the values to set (`null` clears a field). */
export interface RecordWrite {
  key: string;
  name: string;
  /** True when the destination does not have the record yet (send the identifying fields too). */
  create: boolean;
  values: Record<string, PushValue>;
}

/** One item's outcome in a batch write: its record id, or the error that refused it. */
export type RecordOutcome = { ok: true; recordId: string } | { ok: false; error: unknown };

/**
 * What the push needs from a CRM. Each destination implements it over its own client; the plan,
 * apply and rollback logic is written once against it.
 *
 * @example
 * const dest = integration.destination.open(client, ctx);
 * const current = await dest.readRecords(['acme.com'], mapping);
 */
export interface PushDestination {
  /** The integration's name: the push runs, state and rejects are kept under it. */
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
  /**
   * Update or create up to `batchSize` records in one call (idempotent like `writeRecord`): one
   * outcome per write, in order. A failure of the whole call throws; a refused item is an outcome.
   */
  writeRecords?(
    writes: readonly RecordWrite[],
    mapping: readonly FieldMapping[],
    signal?: AbortSignal,
  ): Promise<RecordOutcome[]>;
  /** Most writes one `writeRecords` call takes. */
  readonly batchSize?: number;
  /** A note on a record announcing a signal. */
  createNote(recordId: string, signal: PushSignal, abort?: AbortSignal): Promise<{ noteId: string }>;
  /** Write calls made through this destination so far. */
  readonly writeCount: number;
  /** Lists of companies kept in step with a segment; absent when the destination has none. */
  readonly lists?: DestinationLists;
}

/** A list of companies in the destination (an Attio list, a HubSpot static list). */
export interface DestinationList {
  listId: string;
  name: string;
}

/** One company on a list: the entry's own id (what removal takes) and the company record it holds. */
export interface ListEntry {
  entryId: string;
  recordId: string;
}

/**
 * Lists of company records, the optional part of a destination that a segment's list sync
 * (src/segments) drives: the engine reads the entries, diffs them against the segment's members
 * (matched to records through `readRecords`), then adds and removes exactly the difference and can
 * undo it. Implementations only adapt these four calls; they never decide what belongs on a list.
 *
 * @example
 * const existing = await dest.lists!.findList('Trialing, fit >= 80'); // null: a plan adds everything
 * const list = await dest.lists!.findOrCreateList('Trialing, fit >= 80');
 * const entries = await dest.lists!.listEntries(list.listId);
 * await dest.lists!.addEntries(list.listId, ['rec_1', 'rec_2']);
 * await dest.lists!.removeEntries(list.listId, entries.map((e) => e.entryId));
 */
export interface DestinationLists {
  /** The company list with this exact name, or null (a read: what a dry run uses). */
  findList(name: string, signal?: AbortSignal): Promise<DestinationList | null>;
  /** The company list with this exact name, created when there is none (`created: true`). */
  findOrCreateList(name: string, signal?: AbortSignal): Promise<DestinationList & { created: boolean }>;
  /** Every entry on the list now (all pages). */
  listEntries(listId: string, signal?: AbortSignal): Promise<ListEntry[]>;
  /**
   * Put these company records on the list; idempotent: a record already there keeps its entry.
   * One entry per record, in order.
   */
  addEntries(listId: string, recordIds: readonly string[], signal?: AbortSignal): Promise<ListEntry[]>;
  /** Take these entries off the list; an entry already gone counts as removed. */
  removeEntries(listId: string, entryIds: readonly string[], signal?: AbortSignal): Promise<void>;
}
