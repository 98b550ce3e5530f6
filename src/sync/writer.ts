import type BetterSqlite3 from 'better-sqlite3';
import type { Transaction } from 'kysely';
import { scrubString } from '../core/redact.js';
import { preparedStatement } from '../db/bulk.js';
import type { DB } from '../db/schema/index.js';
import { type AnyStream, externalIdOf, type Page } from '../integrations/index.js';
import { payloadHash } from './records.js';
import type { StreamKey } from './state.js';

const CHUNK = 500;
const EXCERPT = 500;

export interface PreparedRecord {
  externalId: string;
  json: string;
  hash: string;
}

export interface PreparedReject {
  externalId: string | null;
  reason: string;
  excerpt: string | null;
}

export interface PreparedPage {
  records: PreparedRecord[];
  rejects: PreparedReject[];
  deletedIds: string[];
  read: number;
}

export interface PageOutcome {
  written: number;
  unchanged: number;
  deleted: number;
  rejected: number;
}

function excerpt(record: unknown): string | null {
  try {
    const text = JSON.stringify(record);
    return text === undefined ? null : scrubString(text).slice(0, EXCERPT);
  } catch {
    return null;
  }
}

/**
 * Turn a page into rows: id, JSON and hash per record; a record without an id, failing the stream's
 * schema, or not serialisable becomes a reject with its reason. A record repeated within the page
 * keeps its last version.
 */
export function preparePage(stream: AnyStream, page: Page<unknown, unknown>): PreparedPage {
  const byId = new Map<string, PreparedRecord>();
  const rejects: PreparedReject[] = [];
  const records = Array.isArray(page.records) ? page.records : [];
  for (const raw of records) {
    let externalId: string | null = null;
    try {
      let record = raw;
      if (stream.schema) {
        const parsed = stream.schema.safeParse(raw);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
          throw new Error(`does not match the stream's schema (${at}${issue.message})`);
        }
        record = parsed.data;
      }
      externalId = externalIdOf(stream, record);
      const json = JSON.stringify(record);
      byId.set(externalId, { externalId, json, hash: payloadHash(json) });
    } catch (error) {
      rejects.push({
        externalId,
        reason: scrubString(error instanceof Error ? error.message : String(error)),
        excerpt: excerpt(raw),
      });
    }
  }
  return {
    records: [...byId.values()],
    rejects,
    deletedIds: [...new Set((page.deletedIds ?? []).map(String))],
    read: records.length,
  };
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Write one prepared page inside the caller's transaction: new and changed records upserted,
 * unchanged ones counted (and, in a full pass, stamped as seen so the end-of-pass sweep keeps them),
 * source deletions marked, rejects recorded.
 */
export async function writePage(
  trx: Transaction<DB>,
  key: StreamKey,
  page: PreparedPage,
  opts: { runId: string; now: string; fullPass: boolean; sqlite?: BetterSqlite3.Database | undefined },
): Promise<PageOutcome> {
  if (opts.sqlite) return writePageSqlite(opts.sqlite, key, page, opts);
  const { workspaceId, integration, stream } = key;
  const existing = new Map<string, { hash: string; deleted: boolean }>();
  for (const part of chunks(page.records)) {
    const rows = await trx
      .selectFrom('records')
      .select(['external_id', 'payload_hash', 'deleted_at'])
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .where(
        'external_id',
        'in',
        part.map((r) => r.externalId),
      )
      .execute();
    for (const row of rows)
      existing.set(row.external_id, { hash: row.payload_hash, deleted: row.deleted_at !== null });
  }

  const toWrite: PreparedRecord[] = [];
  const unchanged: string[] = [];
  for (const record of page.records) {
    const before = existing.get(record.externalId);
    if (before && before.hash === record.hash && !before.deleted) unchanged.push(record.externalId);
    else toWrite.push(record);
  }

  for (const part of chunks(toWrite)) {
    await trx
      .insertInto('records')
      .values(
        part.map((r) => ({
          workspace_id: workspaceId,
          connection_id: key.connectionId,
          integration,
          stream,
          external_id: r.externalId,
          payload_json: r.json,
          payload_hash: r.hash,
          first_seen_at: opts.now,
          synced_at: opts.now,
          changed_at: opts.now,
          deleted_at: null,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'integration', 'stream', 'external_id']).doUpdateSet((eb) => ({
          connection_id: eb.ref('excluded.connection_id'),
          payload_json: eb.ref('excluded.payload_json'),
          payload_hash: eb.ref('excluded.payload_hash'),
          synced_at: eb.ref('excluded.synced_at'),
          changed_at: eb.ref('excluded.changed_at'),
          deleted_at: null,
        })),
      )
      .execute();
  }

  if (opts.fullPass) {
    for (const part of chunks(unchanged)) {
      await trx
        .updateTable('records')
        .set({ synced_at: opts.now })
        .where('workspace_id', '=', workspaceId)
        .where('integration', '=', integration)
        .where('stream', '=', stream)
        .where('external_id', 'in', part)
        .execute();
    }
  }

  let deleted = 0;
  for (const part of chunks(page.deletedIds)) {
    const result = await trx
      .updateTable('records')
      .set({ deleted_at: opts.now, changed_at: opts.now })
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .where('external_id', 'in', part)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    deleted += Number(result.numUpdatedRows);
  }

  for (const part of chunks(page.rejects, 200)) {
    await trx
      .insertInto('sync_rejects')
      .values(
        part.map((r) => ({
          workspace_id: workspaceId,
          run_id: opts.runId,
          stream,
          external_id: r.externalId,
          reason: r.reason,
          payload_excerpt: r.excerpt,
          created_at: opts.now,
        })),
      )
      .execute();
  }

  return { written: toWrite.length, unchanged: unchanged.length, deleted, rejected: page.rejects.length };
}

/**
 * End of a complete full pass: every live record the pass did not see (synced before it began) is
 * gone from the source, so it is marked deleted. Returns how many.
 */
export async function sweepUnseen(trx: Transaction<DB>, key: StreamKey, passStartedAt: string, now: string) {
  const result = await trx
    .updateTable('records')
    .set({ deleted_at: now, changed_at: now })
    .where('workspace_id', '=', key.workspaceId)
    .where('integration', '=', key.integration)
    .where('stream', '=', key.stream)
    .where('deleted_at', 'is', null)
    .where('synced_at', '<', passStartedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// --- SQLite fast path ---------------------------------------------------------------------------
// The same writes as above with statements prepared once per database and reused: Kysely would
// compile and prepare a new multi-row statement for every page. Runs inside the page's Kysely
// transaction (same connection), so the cursor still commits with the rows.

const SELECT_EXISTING = `SELECT external_id, payload_hash, deleted_at FROM records
  WHERE workspace_id = ? AND integration = ? AND stream = ? AND external_id IN (SELECT value FROM json_each(?))`;
const UPSERT = `INSERT INTO records (workspace_id, connection_id, integration, stream, external_id, payload_json,
    payload_hash, first_seen_at, synced_at, changed_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
  ON CONFLICT (workspace_id, integration, stream, external_id) DO UPDATE SET connection_id = excluded.connection_id,
    payload_json = excluded.payload_json, payload_hash = excluded.payload_hash, synced_at = excluded.synced_at,
    changed_at = excluded.changed_at, deleted_at = NULL`;
const TOUCH = `UPDATE records SET synced_at = ?
  WHERE workspace_id = ? AND integration = ? AND stream = ? AND external_id IN (SELECT value FROM json_each(?))`;
const MARK_DELETED = `UPDATE records SET deleted_at = ?, changed_at = ?
  WHERE workspace_id = ? AND integration = ? AND stream = ? AND deleted_at IS NULL
    AND external_id IN (SELECT value FROM json_each(?))`;
const INSERT_REJECT = `INSERT INTO sync_rejects (workspace_id, run_id, stream, external_id, reason, payload_excerpt, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)`;

function writePageSqlite(
  db: BetterSqlite3.Database,
  key: StreamKey,
  page: PreparedPage,
  opts: { runId: string; now: string; fullPass: boolean },
): PageOutcome {
  const { workspaceId, integration, stream, connectionId } = key;
  const existing = new Map<string, { hash: string; deleted: boolean }>();
  if (page.records.length > 0) {
    const rows = preparedStatement(db, SELECT_EXISTING).all(
      workspaceId,
      integration,
      stream,
      JSON.stringify(page.records.map((r) => r.externalId)),
    ) as Array<{ external_id: string; payload_hash: string; deleted_at: string | null }>;
    for (const row of rows)
      existing.set(row.external_id, { hash: row.payload_hash, deleted: row.deleted_at !== null });
  }
  const upsert = preparedStatement(db, UPSERT);
  const unchanged: string[] = [];
  let written = 0;
  for (const r of page.records) {
    const before = existing.get(r.externalId);
    if (before && before.hash === r.hash && !before.deleted) {
      unchanged.push(r.externalId);
      continue;
    }
    upsert.run(
      workspaceId,
      connectionId,
      integration,
      stream,
      r.externalId,
      r.json,
      r.hash,
      opts.now,
      opts.now,
      opts.now,
    );
    written += 1;
  }
  if (opts.fullPass && unchanged.length > 0) {
    preparedStatement(db, TOUCH).run(opts.now, workspaceId, integration, stream, JSON.stringify(unchanged));
  }
  const deleted =
    page.deletedIds.length > 0
      ? preparedStatement(db, MARK_DELETED).run(
          opts.now,
          opts.now,
          workspaceId,
          integration,
          stream,
          JSON.stringify(page.deletedIds),
        ).changes
      : 0;
  const reject = preparedStatement(db, INSERT_REJECT);
  for (const r of page.rejects) {
    reject.run(workspaceId, opts.runId, stream, r.externalId, r.reason, r.excerpt, opts.now);
  }
  return { written, unchanged: unchanged.length, deleted, rejected: page.rejects.length };
}
