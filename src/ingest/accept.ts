import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, type RawBuilder, SqliteAdapter, sql } from 'kysely';
import type { ConnectionDeps } from '../connections/deps.js';
import { AppError } from '../core/errors.js';
import type { DB } from '../db/index.js';
import {
  type IngestCapability,
  type IngestChanges,
  type IngestMessage,
  MalformedCallError,
  malformedCall,
} from '../integrations/index.js';
import { keyOwner } from './keys.js';
import type { KeyRateLimiter } from './rate.js';
import {
  claimIdsSqlite,
  incrementRecordsSqlite,
  type RecordRow,
  upsertRecordsSqlite,
} from './sqlite-writes.js';

/** How long a message id is remembered: a sender retrying later than this would count twice. */
export const MESSAGE_RETENTION_DAYS = 7;
/** Rows per INSERT statement (well under either dialect's bound-parameter limit). */
const CHUNK = 200;
/** Field names incremented in SQL are identifiers from code; checked anyway (they become JSON paths). */
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** One request as the HTTP layer received it. */
export interface IngestRequest {
  call: string;
  authorization: string | undefined;
  body: Buffer;
}

export interface IngestOutcome {
  success: true;
  /** Calls in the request that were new (written) and already seen (acknowledged, not counted). */
  accepted: number;
  duplicates: number;
}

export interface IngestEngine {
  deps: ConnectionDeps;
  limiter: KeyRateLimiter;
  /** Connection id → last time its old message ids were pruned (ms). */
  pruned: Map<string, number>;
}

/** The key of a Basic authorization header (user name = write key, password ignored), or null. */
export function writeKeyOf(authorization: string | undefined): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key === '' ? null : key;
}

const unauthorizedKey = () =>
  new AppError(
    401,
    'invalid_write_key',
    "Send the connection's write key with HTTP Basic auth (the key as user name, empty password), as Segment's libraries do. Generate a key on the integration's page in Beton; a revoked key is refused.",
  );

/**
 * Accept one ingest request for whichever integration the write key belongs to: key, rate, size,
 * parse, then — in one transaction, before the answer — the message ids (a retry is acknowledged
 * and not counted), the records the fresh messages change and the connection's counters. A
 * malformed request is refused with the reason and counted as rejected.
 *
 * @example
 * await acceptIngest(engine, { call: 'batch', authorization: req.headers.authorization, body });
 */
export async function acceptIngest(engine: IngestEngine, request: IngestRequest): Promise<IngestOutcome> {
  const { deps } = engine;
  const key = writeKeyOf(request.authorization);
  const owner = key ? await keyOwner(deps, key) : null;
  if (!owner) throw unauthorizedKey();
  const integration = deps.integrations.get(owner.integration);
  const capability = integration?.ingest;
  if (!capability) throw unauthorizedKey();
  if (!capability.calls.includes(request.call)) {
    throw new AppError(
      404,
      'not_found',
      `There is no "${request.call}" call. Send one of: ${capability.calls.join(', ')}.`,
    );
  }
  const wait = engine.limiter.take(owner.keyId, capability.limits.requestsPerSecond);
  if (wait > 0) {
    throw new AppError(
      429,
      'rate_limited',
      `This write key sends more than ${capability.limits.requestsPerSecond} requests a second: retry in ${wait} s, and batch calls (POST /v1/batch) to send more per request.`,
      { retryAfterSeconds: wait },
    );
  }

  let messages: IngestMessage[];
  try {
    messages = parseRequest(capability, request);
  } catch (error) {
    if (error instanceof MalformedCallError) await countReject(deps, owner, error.message);
    throw error;
  }
  const now = deps.clock.now();
  const outcome = await deps.db.kysely.transaction().execute(async (trx) => {
    const fresh = await claimMessageIds(trx, owner, messages, now.toISOString(), deps.db.sqlite);
    const changes = fresh.length
      ? await capability.apply(fresh, {
          now,
          workspaceId: owner.workspaceId,
          connectionId: owner.connectionId,
          record: (stream, externalId) => readPayload(trx, owner, stream, externalId),
        })
      : { upserts: [], increments: [], unattributed: 0 };
    await writeChanges(trx, owner, changes, now.toISOString(), deps.db.sqlite);
    await bumpCounters(trx, owner, {
      received: fresh.length,
      duplicates: messages.length - fresh.length,
      unattributed: changes.unattributed,
      at: now.toISOString(),
    });
    return { success: true as const, accepted: fresh.length, duplicates: messages.length - fresh.length };
  });
  pruneLater(engine, owner, now);
  return outcome;
}

function parseRequest(capability: IngestCapability, request: IngestRequest): IngestMessage[] {
  const { limits } = capability;
  if (request.body.length > limits.requestBytes) {
    throw malformedCall(
      `The request is ${request.body.length} bytes, over the ${limits.requestBytes}-byte limit: send smaller batches`,
      413,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw malformedCall('The body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw malformedCall('The body is not a JSON object');
  }
  return capability.parse(request.call, body, limits);
}

/** Record the message ids; answers the messages not seen before (first of each id in the request). */
async function claimMessageIds(
  trx: Kysely<DB>,
  owner: { workspaceId: string; connectionId: string },
  messages: readonly IngestMessage[],
  at: string,
  sqlite: BetterSqlite3.Database | undefined,
): Promise<IngestMessage[]> {
  const firsts = new Map<string, IngestMessage>();
  for (const m of messages) if (!firsts.has(m.messageId)) firsts.set(m.messageId, m);
  const ids = [...firsts.keys()];
  if (sqlite) {
    const fresh = claimIdsSqlite(sqlite, owner.workspaceId, owner.connectionId, ids, at);
    return [...firsts.values()].filter((m) => fresh.has(m.messageId));
  }
  const inserted = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await trx
      .insertInto('ingest_messages')
      .values(
        ids.slice(i, i + CHUNK).map((message_id) => ({
          workspace_id: owner.workspaceId,
          connection_id: owner.connectionId,
          message_id,
          received_at: at,
        })),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'connection_id', 'message_id']).doNothing())
      .returning('message_id')
      .execute();
    for (const r of rows) inserted.add(r.message_id);
  }
  return [...firsts.values()].filter((m) => inserted.has(m.messageId));
}

async function readPayload(
  trx: Kysely<DB>,
  owner: { workspaceId: string; integration: string },
  stream: string,
  externalId: string,
): Promise<unknown> {
  const row = await trx
    .selectFrom('records')
    .select('payload_json')
    .where('workspace_id', '=', owner.workspaceId)
    .where('integration', '=', owner.integration)
    .where('stream', '=', stream)
    .where('external_id', '=', externalId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row ? JSON.parse(row.payload_json) : undefined;
}

const hashOf = (text: string) => createHash('sha1').update(text).digest('hex');

/** Upserts and increments as batched statements; changed_at = now so the next score run reads them. */
async function writeChanges(
  trx: Kysely<DB>,
  owner: { workspaceId: string; connectionId: string; integration: string },
  changes: IngestChanges,
  now: string,
  sqlite: BetterSqlite3.Database | undefined,
): Promise<void> {
  const base = {
    workspace_id: owner.workspaceId,
    connection_id: owner.connectionId,
    integration: owner.integration,
    first_seen_at: now,
    synced_at: now,
    changed_at: now,
    deleted_at: null,
  };
  const upserts = new Map<string, IngestChanges['upserts'][number]>();
  for (const u of changes.upserts) upserts.set(`${u.stream}\u0000${u.externalId}`, u);
  const rows = [...upserts.values()].map((u) => {
    const json = JSON.stringify(u.payload);
    return {
      ...base,
      stream: u.stream,
      external_id: u.externalId,
      payload_json: json,
      payload_hash: hashOf(json),
    };
  });
  if (sqlite) {
    const plain: RecordRow[] = rows.map((r) => ({
      stream: r.stream,
      externalId: r.external_id,
      json: r.payload_json,
      hash: r.payload_hash,
    }));
    upsertRecordsSqlite(sqlite, owner, plain, now);
  }
  for (let i = 0; !sqlite && i < rows.length; i += CHUNK) {
    await trx
      .insertInto('records')
      .values(rows.slice(i, i + CHUNK))
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

  // Increments add up per record first (a batch of 500 track calls is a handful of usage days).
  const byField = new Map<string, Map<string, IngestChanges['increments'][number]>>();
  for (const inc of changes.increments) {
    if (!FIELD.test(inc.field)) throw new Error(`Increment field "${inc.field}" is not a plain field name.`);
    const group = byField.get(inc.field) ?? new Map();
    byField.set(inc.field, group);
    const id = `${inc.stream}\u0000${inc.externalId}`;
    const seen = group.get(id);
    if (seen) group.set(id, { ...seen, by: seen.by + inc.by });
    else group.set(id, inc);
  }
  for (const [field, group] of byField) {
    if (sqlite) {
      const plain = [...group.values()].map((inc) => {
        const json = JSON.stringify({ ...(inc.payload as Record<string, unknown>), [field]: inc.by });
        return { stream: inc.stream, externalId: inc.externalId, json, hash: hashOf(json) };
      });
      incrementRecordsSqlite(sqlite, owner, field, plain, now);
      continue;
    }
    const grown = growExpression(trx, field);
    const incRows = [...group.values()].map((inc) => {
      const payload = { ...(inc.payload as Record<string, unknown>), [field]: inc.by };
      const json = JSON.stringify(payload);
      return {
        ...base,
        stream: inc.stream,
        external_id: inc.externalId,
        payload_json: json,
        payload_hash: hashOf(json),
      };
    });
    for (let i = 0; i < incRows.length; i += CHUNK) {
      await trx
        .insertInto('records')
        .values(incRows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'integration', 'stream', 'external_id']).doUpdateSet((eb) => ({
            payload_json: grown,
            // Not a hash of the grown payload (that is computed in SQL): a marker that it changed.
            payload_hash: eb.ref('excluded.payload_hash'),
            synced_at: eb.ref('excluded.synced_at'),
            changed_at: eb.ref('excluded.changed_at'),
            deleted_at: null,
          })),
        )
        .execute();
    }
  }
}

/** `records.payload_json` with `field` grown by the excluded row's `field`, per dialect. */
function growExpression(db: Kysely<DB>, field: string): RawBuilder<string> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    const path = sql.lit(`$.${field}`);
    return sql<string>`json_set(records.payload_json, ${path}, coalesce(json_extract(records.payload_json, ${path}), 0) + json_extract(excluded.payload_json, ${path}))`;
  }
  const name = sql.lit(field);
  const path = sql.lit(`{${field}}`);
  return sql<string>`(jsonb_set(records.payload_json::jsonb, ${path}::text[], to_jsonb(coalesce((records.payload_json::jsonb ->> ${name})::numeric, 0) + (excluded.payload_json::jsonb ->> ${name})::numeric)))::text`;
}

async function bumpCounters(
  trx: Kysely<DB>,
  owner: { workspaceId: string; connectionId: string },
  n: { received: number; duplicates: number; unattributed: number; at: string },
): Promise<void> {
  await trx
    .insertInto('ingest_counters')
    .values({
      workspace_id: owner.workspaceId,
      connection_id: owner.connectionId,
      received: n.received,
      duplicates: n.duplicates,
      rejected: 0,
      unattributed: n.unattributed,
      last_received_at: n.at,
    })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'connection_id']).doUpdateSet((eb) => ({
        received: eb('ingest_counters.received', '+', eb.ref('excluded.received')),
        duplicates: eb('ingest_counters.duplicates', '+', eb.ref('excluded.duplicates')),
        unattributed: eb('ingest_counters.unattributed', '+', eb.ref('excluded.unattributed')),
        last_received_at: eb.ref('excluded.last_received_at'),
      })),
    )
    .execute();
}

/** Count a refused request on its connection with the reason (the reason only, never the body). */
async function countReject(
  deps: ConnectionDeps,
  owner: { workspaceId: string; connectionId: string; integration: string },
  fullReason: string,
): Promise<void> {
  // A reason may quote a sender's value (an unknown call type): kept short in the log and the row.
  const reason = fullReason.length > 500 ? `${fullReason.slice(0, 500)}…` : fullReason;
  const at = deps.clock.now().toISOString();
  deps.logger.warn(
    { integration: owner.integration, connectionId: owner.connectionId, reason },
    'ingest call refused',
  );
  await deps.db.kysely
    .insertInto('ingest_counters')
    .values({
      workspace_id: owner.workspaceId,
      connection_id: owner.connectionId,
      received: 0,
      duplicates: 0,
      rejected: 1,
      unattributed: 0,
      last_rejected_at: at,
      last_reject_reason: reason,
    })
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'connection_id']).doUpdateSet((eb) => ({
        rejected: eb('ingest_counters.rejected', '+', 1),
        last_rejected_at: eb.ref('excluded.last_rejected_at'),
        last_reject_reason: eb.ref('excluded.last_reject_reason'),
      })),
    )
    .execute();
}

/** Forget message ids past the retention window, at most hourly per connection, after the answer. */
function pruneLater(engine: IngestEngine, owner: { workspaceId: string; connectionId: string }, now: Date) {
  const last = engine.pruned.get(owner.connectionId) ?? 0;
  if (now.getTime() - last < 3_600_000) return;
  engine.pruned.set(owner.connectionId, now.getTime());
  const before = new Date(now.getTime() - MESSAGE_RETENTION_DAYS * 86_400_000).toISOString();
  setImmediate(() => {
    engine.deps.db.kysely
      .deleteFrom('ingest_messages')
      .where('workspace_id', '=', owner.workspaceId)
      .where('connection_id', '=', owner.connectionId)
      .where('received_at', '<', before)
      .execute()
      .catch((error: unknown) =>
        engine.deps.logger.warn({ err: error }, 'pruning old ingest message ids failed'),
      );
  });
}
