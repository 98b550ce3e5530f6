import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { chunks } from '../accounts/index.js';
import { badRequest, notFound } from '../core/index.js';
import type { DB } from '../db/index.js';
import {
  fromJson,
  insertRows,
  insertStatement,
  selectRows,
  toJson,
  valuesOf,
  type WriteBatch,
} from '../db/index.js';
import {
  type ConfiguredSignal,
  configureSignals,
  type SignalOverride,
  validateOverride,
} from './configure.js';
import { type CustomSignal, type CustomSignalInput, customKey, customSignalInput } from './custom.js';
import type { EvidenceValue } from './detector.js';

/**
 * Storage of signals: a workspace's overrides of the built-ins, its custom signals, and occurrences
 * (each stored once: a re-detection inside the dedupe window extends the occurrence it continues).
 */

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * Everything a workspace runs: built-ins with overrides, then custom signals.
 *
 * @example const signals = await loadSignals(db, ws);
 */
export async function loadSignals(db: Kysely<DB>, workspaceId: string): Promise<ConfiguredSignal[]> {
  const overrides = await loadOverrides(db, workspaceId);
  return configureSignals(overrides, await listCustomSignals(db, workspaceId));
}

export async function loadOverrides(
  db: Kysely<DB>,
  workspaceId: string,
): Promise<Map<string, SignalOverride>> {
  const rows = await db
    .selectFrom('signal_settings')
    .select(['signal_key', 'settings_json'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  return new Map(rows.map((r) => [r.signal_key, fromJson<SignalOverride>(r.settings_json, {})]));
}

/**
 * Replace a built-in signal's override (validated against its parameter schema).
 *
 * @example await saveOverride(db, ws, 'usage_spike', { params: { ratio: 3 } }, userId, now)
 */
export async function saveOverride(
  db: Kysely<DB>,
  workspaceId: string,
  key: string,
  override: unknown,
  actorId: string | null,
  now: string,
): Promise<SignalOverride> {
  const valid = validateOverride(key, override);
  await db
    .insertInto('signal_settings')
    .values({
      workspace_id: workspaceId,
      signal_key: key,
      settings_json: toJson(valid),
      updated_by: actorId,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'signal_key'])
        .doUpdateSet({ settings_json: toJson(valid), updated_by: actorId, updated_at: now }),
    )
    .execute();
  return valid;
}

type CustomRow = DB['custom_signals'];

const toCustom = (r: CustomRow): CustomSignal => ({
  id: r.id,
  key: customKey(r.id),
  name: r.name,
  description: r.description,
  direction: r.direction as CustomSignal['direction'],
  events: fromJson<string[]>(r.events_json, []),
  operator: r.operator as CustomSignal['operator'],
  threshold: Number(r.threshold),
  windowDays: Number(r.window_days),
  weight: Number(r.weight),
  enabled: Boolean(r.enabled),
});

export async function listCustomSignals(db: Kysely<DB>, workspaceId: string): Promise<CustomSignal[]> {
  const rows = await db
    .selectFrom('custom_signals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toCustom);
}

export async function getCustomSignal(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
): Promise<CustomSignal> {
  const row = await db
    .selectFrom('custom_signals')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Custom signal');
  return toCustom(row);
}

/** Validate a custom-signal definition; a bad one is a 400 naming each field. */
export function parseCustomSignal(input: unknown, base?: CustomSignalInput): CustomSignalInput {
  const parsed = customSignalInput.safeParse(base ? { ...base, ...(input as object) } : input);
  if (!parsed.success) {
    throw badRequest(
      `Invalid custom signal: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}.`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      'validation_error',
    );
  }
  return parsed.data;
}

/**
 * @example await createCustomSignal(db, ws, { name: 'Exports', direction: 'expansion', events: ['export'], operator: 'gte', threshold: 10, windowDays: 7 }, userId, now)
 */
export async function createCustomSignal(
  db: Kysely<DB>,
  workspaceId: string,
  input: unknown,
  actorId: string | null,
  now: string,
): Promise<CustomSignal> {
  const valid = parseCustomSignal(input);
  const id = `cs_${randomBytes(8).toString('hex')}`;
  await db
    .insertInto('custom_signals')
    .values({
      id,
      workspace_id: workspaceId,
      name: valid.name,
      description: valid.description,
      direction: valid.direction,
      events_json: toJson(valid.events),
      operator: valid.operator,
      threshold: valid.threshold,
      window_days: valid.windowDays,
      weight: valid.weight,
      enabled: valid.enabled ? 1 : 0,
      created_by: actorId,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return getCustomSignal(db, workspaceId, id);
}

export async function updateCustomSignal(
  db: Kysely<DB>,
  workspaceId: string,
  id: string,
  patch: unknown,
  now: string,
): Promise<CustomSignal> {
  const current = await getCustomSignal(db, workspaceId, id);
  const { id: _id, key: _key, ...base } = current;
  const valid = parseCustomSignal(patch, base);
  await db
    .updateTable('custom_signals')
    .set({
      name: valid.name,
      description: valid.description,
      direction: valid.direction,
      events_json: toJson(valid.events),
      operator: valid.operator,
      threshold: valid.threshold,
      window_days: valid.windowDays,
      weight: valid.weight,
      enabled: valid.enabled ? 1 : 0,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
  return getCustomSignal(db, workspaceId, id);
}

/** Delete a custom signal and its occurrences and backtest. */
export async function deleteCustomSignal(db: Kysely<DB>, workspaceId: string, id: string): Promise<void> {
  await getCustomSignal(db, workspaceId, id);
  const key = customKey(id);
  await db
    .deleteFrom('signal_occurrences')
    .where('workspace_id', '=', workspaceId)
    .where('signal_key', '=', key)
    .execute();
  await db
    .deleteFrom('backtest_results')
    .where('workspace_id', '=', workspaceId)
    .where('signal_key', '=', key)
    .execute();
  await db
    .deleteFrom('custom_signals')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Occurrences

export interface Occurrence {
  id: number;
  accountId: string;
  key: string;
  origin: 'live' | 'replay';
  occurredAt: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Still holding at the account's last evaluation. */
  open: boolean;
  strength: number;
  evidence: Record<string, EvidenceValue>;
  explanation: string;
}

/** Occurrence without the parsed evidence, for the hot path (scoring, dedupe, backtest). */
export interface OccurrenceHead {
  id: number;
  accountId: string;
  key: string;
  firstSeenAt: string;
  lastSeenAt: string;
  open: boolean;
  strength: number;
}

export interface NewOccurrence {
  accountId: string;
  key: string;
  origin: 'live' | 'replay';
  occurredAt: string;
  firstSeenAt: string;
  lastSeenAt: string;
  open: boolean;
  strength: number;
  evidence: Record<string, EvidenceValue>;
  explanation: string;
}

/**
 * Occurrences still open or last seen at or after `since` (null: all), for some accounts (null: all).
 */
export async function loadOccurrenceHeads(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[] | null,
  since: string | null,
): Promise<OccurrenceHead[]> {
  const read = async (chunk: readonly string[] | null) => {
    let q = db
      .selectFrom('signal_occurrences')
      .select(['id', 'account_id', 'signal_key', 'first_seen_at', 'last_seen_at', 'open', 'strength'])
      .where('workspace_id', '=', workspaceId);
    if (since) q = q.where((eb) => eb.or([eb('last_seen_at', '>=', since), eb('open', '=', 1)]));
    if (chunk) q = q.where('account_id', 'in', chunk);
    return (await selectRows(db, q)).map(([id, accountId, key, firstSeenAt, lastSeenAt, open, strength]) => ({
      id: Number(id),
      accountId: accountId as string,
      key: key as string,
      firstSeenAt: firstSeenAt as string,
      lastSeenAt: lastSeenAt as string,
      open: Boolean(open),
      strength: Number(strength),
    }));
  };
  if (accountIds === null) return read(null);
  const out: OccurrenceHead[] = [];
  for (const chunk of chunks(accountIds)) out.push(...(await read(chunk)));
  return out;
}

const occurrenceRow = (workspaceId: string, o: NewOccurrence, runId: string | null) => ({
  workspace_id: workspaceId,
  account_id: o.accountId,
  signal_key: o.key,
  origin: o.origin,
  occurred_at: o.occurredAt,
  first_seen_at: o.firstSeenAt,
  last_seen_at: o.lastSeenAt,
  open: o.open ? 1 : 0,
  strength: o.strength,
  evidence_json: toJson(o.evidence),
  explanation: o.explanation,
  run_id: runId,
});

/** Store new occurrences (in the caller's transaction when it has one). */
export async function insertOccurrences(
  db: Kysely<DB>,
  workspaceId: string,
  rows: readonly NewOccurrence[],
  runId: string | null,
): Promise<void> {
  await insertRows(
    db,
    'signal_occurrences',
    rows.map((o) => occurrenceRow(workspaceId, o, runId)),
  );
}

const OCCURRENCE_COLUMNS = Object.keys(
  occurrenceRow('', { evidence: {} } as NewOccurrence, null),
) as (keyof ReturnType<typeof occurrenceRow>)[];

/**
 * What insertOccurrences, refreshOccurrences and closeOccurrences write, as statements with rows
 * for a SQLite BackgroundWriter.
 */
export function occurrenceWrites(
  workspaceId: string,
  changes: {
    inserts: readonly NewOccurrence[];
    refreshes: readonly OccurrenceRefresh[];
    closes: readonly OccurrenceClose[];
  },
  runId: string | null,
): WriteBatch {
  return [
    {
      sql: insertStatement('signal_occurrences', OCCURRENCE_COLUMNS),
      rows: valuesOf(
        changes.inserts.map((o) => occurrenceRow(workspaceId, o, runId)),
        OCCURRENCE_COLUMNS,
      ),
    },
    {
      sql: `update signal_occurrences set last_seen_at = ?, open = 1, strength = ?, evidence_json = ?, explanation = ?
        where workspace_id = ? and id = ?`,
      rows: changes.refreshes.map((r) => [
        r.lastSeenAt,
        r.strength,
        toJson(r.evidence),
        r.explanation,
        workspaceId,
        r.id,
      ]),
    },
    {
      sql: 'update signal_occurrences set open = 0, last_seen_at = ? where workspace_id = ? and id = ?',
      rows: changes.closes.map((c) => [c.lastSeenAt, workspaceId, c.id]),
    },
  ];
}

/** A stored occurrence seen again: reopened after a pause inside its dedupe window, or refreshed. */
export interface OccurrenceRefresh {
  id: number;
  /** It was closed: this refresh opens it again (the outbox hears of it). */
  reopened?: boolean;
  lastSeenAt: string;
  strength: number;
  evidence: Record<string, EvidenceValue>;
  explanation: string;
}

/** Mark occurrences open again (or refresh their strength and evidence). */
export async function refreshOccurrences(
  db: Kysely<DB>,
  workspaceId: string,
  rows: readonly OccurrenceRefresh[],
): Promise<void> {
  for (const chunk of chunks(rows, 300)) {
    const values = sql.join(
      chunk.map(
        (r) => sql`(${r.id}, ${r.lastSeenAt}, ${r.strength}, ${toJson(r.evidence)}, ${r.explanation})`,
      ),
    );
    await sql`
      with v(id, last_seen_at, strength, evidence_json, explanation) as (values ${values})
      update signal_occurrences set
        last_seen_at = v.last_seen_at,
        open = 1,
        strength = cast(v.strength as double precision),
        evidence_json = v.evidence_json,
        explanation = v.explanation
      from v
      where signal_occurrences.workspace_id = ${workspaceId} and signal_occurrences.id = cast(v.id as bigint)`.execute(
      db,
    );
  }
}

/** An open occurrence whose condition stopped holding, with the last moment it was known to hold. */
export interface OccurrenceClose {
  id: number;
  lastSeenAt: string;
}

/** Close occurrences whose condition stopped holding. */
export async function closeOccurrences(
  db: Kysely<DB>,
  workspaceId: string,
  rows: readonly OccurrenceClose[],
): Promise<void> {
  for (const chunk of chunks(rows, 400)) {
    const values = sql.join(chunk.map((r) => sql`(${r.id}, ${r.lastSeenAt})`));
    await sql`
      with v(id, last_seen_at) as (values ${values})
      update signal_occurrences set open = 0, last_seen_at = v.last_seen_at
      from v
      where signal_occurrences.workspace_id = ${workspaceId} and signal_occurrences.id = cast(v.id as bigint)`.execute(
      db,
    );
  }
}

/** Remove the replayed history of some accounts before replaying it again. */
export async function deleteReplayed(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
): Promise<void> {
  for (const chunk of chunks(accountIds)) {
    await db
      .deleteFrom('signal_occurrences')
      .where('workspace_id', '=', workspaceId)
      .where('origin', '=', 'replay')
      .where('account_id', 'in', chunk)
      .execute();
  }
}

/** Remove occurrences of signals that no longer exist or were disabled from scoring's view. */
export async function deleteOccurrencesOf(
  db: Kysely<DB>,
  workspaceId: string,
  keys: readonly string[],
): Promise<void> {
  for (const chunk of chunks(keys)) {
    await db
      .deleteFrom('signal_occurrences')
      .where('workspace_id', '=', workspaceId)
      .where('signal_key', 'in', chunk)
      .execute();
  }
}

const toOccurrence = (r: DB['signal_occurrences'] & { id: number }): Occurrence => ({
  id: Number(r.id),
  accountId: r.account_id,
  key: r.signal_key,
  origin: r.origin as Occurrence['origin'],
  occurredAt: r.occurred_at,
  firstSeenAt: r.first_seen_at,
  lastSeenAt: r.last_seen_at,
  open: Boolean(r.open),
  strength: Number(r.strength),
  evidence: fromJson(r.evidence_json, {}),
  explanation: r.explanation,
});

export interface OccurrenceQuery {
  accountId?: string;
  signal?: string;
  /** Only occurrences of one of these signals (e.g. every signal of one direction); empty matches none. */
  signals?: readonly string[];
  /** ISO: only occurrences that happened at or after it. */
  since?: string;
  /** ISO: only occurrences that happened before it. */
  until?: string;
  limit?: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

/**
 * Occurrences newest first, filtered, with keyset pagination.
 *
 * @example const { items, nextCursor } = await listOccurrences(db, ws, { signal: 'usage_drop', limit: 50 });
 */
export async function listOccurrences(db: Kysely<DB>, workspaceId: string, query: OccurrenceQuery) {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  let q = db.selectFrom('signal_occurrences').selectAll().where('workspace_id', '=', workspaceId);
  if (query.accountId) q = q.where('account_id', '=', query.accountId);
  if (query.signal) q = q.where('signal_key', '=', query.signal);
  if (query.signals) {
    if (query.signals.length === 0) return { items: [] as Occurrence[], nextCursor: null };
    q = q.where('signal_key', 'in', [...query.signals]);
  }
  if (query.since) q = q.where('occurred_at', '>=', query.since);
  if (query.until) q = q.where('occurred_at', '<', query.until);
  if (query.cursor) {
    const [at = '', id = '0'] = decodeCursor(query.cursor);
    q = q.where((eb) =>
      eb.or([eb('occurred_at', '<', at), eb.and([eb('occurred_at', '=', at), eb('id', '<', Number(id))])]),
    );
  }
  const rows = await q
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map((r) => toOccurrence(r as never));
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor([last.occurredAt, String(last.id)]) : null,
  };
}

export const encodeCursor = (parts: string[]) => Buffer.from(JSON.stringify(parts)).toString('base64url');
export function decodeCursor(cursor: string): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'string')) return parts;
  } catch {
    // fall through to the error below
  }
  throw badRequest('Invalid cursor: pass the nextCursor value of the previous page unchanged.');
}

/** Per signal: occurrences, accounts that fired it, and accounts where it is active now. */
export async function signalCounts(db: Kysely<DB>, workspaceId: string, activeSince: string) {
  const rows = await db
    .selectFrom('signal_occurrences')
    .select((eb) => [
      'signal_key',
      eb.fn.countAll<number>().as('occurrences'),
      eb.fn.count<number>('account_id').distinct().as('accounts'),
      sql<number>`count(distinct case when open = 1 or last_seen_at >= ${activeSince} then account_id end)`.as(
        'active_accounts',
      ),
      eb.fn.max('occurred_at').as('last_occurred_at'),
    ])
    .where('workspace_id', '=', workspaceId)
    .groupBy('signal_key')
    .execute();
  return new Map(
    rows.map((r) => [
      r.signal_key,
      {
        occurrences: Number(r.occurrences),
        accounts: Number(r.accounts),
        activeAccounts: Number(r.active_accounts),
        lastOccurredAt: (r.last_occurred_at as string | null) ?? null,
      },
    ]),
  );
}
