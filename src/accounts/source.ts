import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { fromJson, selectRows } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { streamsWithFacts } from '../integrations/sdk.js';
import type { PriceInfo } from '../model/index.js';
import type { SourceRecord } from './history.js';
import { shippedRegistry } from './registry.js';

/**
 * Reads of the synced `records` table that accounts need beyond src/sync's `listRecords`: changes
 * in `changed_at` order (an index range, so an incremental pass costs what changed, not the whole
 * stream), and the records linked to a set of accounts.
 */

export interface ChangedRecord {
  id: number;
  integration: string;
  stream: string;
  externalId: string;
  payloadJson: string;
  payloadHash: string;
  changedAt: string;
  syncedAt: string;
  deletedAt: string | null;
}

/**
 * Records of one stream whose payload or deleted mark changed after `since`, oldest change
 * first, in batches.
 *
 * @example
 * for await (const batch of changedRecords(db, ws, 'acme', 'customers', null)) for (const r of batch) …
 */
export async function* changedRecords(
  db: Kysely<DB>,
  workspaceId: string,
  integration: string,
  stream: string,
  since: string | null,
  batchSize = 2000,
): AsyncGenerator<ChangedRecord[]> {
  const base = () =>
    db
      .selectFrom('records')
      .select(['id', 'external_id', 'payload_json', 'payload_hash', 'changed_at', 'synced_at', 'deleted_at'])
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream);
  let after: { changedAt: string; id: number } | null = null;
  for (;;) {
    // Keyset pages in two index ranges: the rest of the last timestamp (by id), then later ones.
    // (One bulk write stamps thousands of rows alike; a combined OR would rescan them per page.)
    // Rows as value arrays: a first ingest reads millions, and per-row objects cost more than the read.
    let rows: unknown[][] = [];
    if (after) {
      rows = await selectRows(
        db,
        base()
          .where('changed_at', '=', after.changedAt)
          .where('id', '>', after.id)
          .orderBy('id')
          .limit(batchSize),
      );
    }
    if (rows.length < batchSize) {
      let q = base();
      const from = after?.changedAt ?? since;
      if (from) q = q.where('changed_at', '>', from);
      const more = await selectRows(
        db,
        q
          .orderBy('changed_at')
          .orderBy('id')
          .limit(batchSize - rows.length),
      );
      rows = rows.length === 0 ? more : [...rows, ...more];
    }
    if (rows.length === 0) return;
    yield rows.map(([id, externalId, payloadJson, payloadHash, changedAt, syncedAt, deletedAt]) => ({
      id: Number(id),
      integration,
      stream,
      externalId: externalId as string,
      payloadJson: payloadJson as string,
      payloadHash: payloadHash as string,
      changedAt: changedAt as string,
      syncedAt: syncedAt as string,
      deletedAt: deletedAt as string | null,
    }));
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { changedAt: last[4] as string, id: Number(last[0]) };
  }
}

/**
 * The newest `changed_at` among some streams (the next ingest's starting point). One index seek per
 * stream: a MAX over the whole table would scan it.
 */
export async function latestChange(
  db: Kysely<DB>,
  workspaceId: string,
  streams: readonly { integration: string; stream: string }[],
): Promise<string | null> {
  let latest: string | null = null;
  for (const { integration, stream } of streams) {
    const row = await db
      .selectFrom('records')
      .select('changed_at')
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .orderBy('changed_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row && (latest === null || row.changed_at > latest)) latest = row.changed_at;
  }
  return latest;
}

/** One record by key (payload parsed), or undefined. */
export async function recordByKey(
  db: Kysely<DB>,
  workspaceId: string,
  key: { integration: string; stream: string; externalId: string },
): Promise<SourceRecord | undefined> {
  const row = await db
    .selectFrom('records')
    .select(['integration', 'stream', 'external_id', 'payload_json', 'synced_at', 'deleted_at'])
    .where('workspace_id', '=', workspaceId)
    .where('integration', '=', key.integration)
    .where('stream', '=', key.stream)
    .where('external_id', '=', key.externalId)
    .executeTakeFirst();
  return row
    ? {
        integration: row.integration,
        stream: row.stream,
        externalId: row.external_id,
        payload: fromJson(row.payload_json, null),
        syncedAt: row.synced_at,
        deletedAt: row.deleted_at,
      }
    : undefined;
}

/**
 * The records linked to each of `accountIds`, payloads parsed.
 *
 * @example const byAccount = await linkedRecords(db, ws, ['acc_1']); byAccount.get('acc_1')?.length
 */
export async function linkedRecords(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
): Promise<Map<string, SourceRecord[]>> {
  const out = new Map<string, SourceRecord[]>();
  for (let i = 0; i < accountIds.length; i += 500) {
    const chunk = accountIds.slice(i, i + 500);
    const rows = await db
      .selectFrom('account_links as l')
      .innerJoin('records as r', (join) =>
        join
          .onRef('r.workspace_id', '=', 'l.workspace_id')
          .onRef('r.integration', '=', 'l.integration')
          .onRef('r.stream', '=', 'l.stream')
          .onRef('r.external_id', '=', 'l.external_id'),
      )
      .select([
        'l.account_id',
        'r.integration',
        'r.stream',
        'r.external_id',
        'r.payload_json',
        'r.synced_at',
        'r.deleted_at',
      ])
      .where('l.workspace_id', '=', workspaceId)
      .where('l.status', '=', 'linked')
      .where('l.account_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      const list = out.get(row.account_id!) ?? [];
      list.push({
        integration: row.integration,
        stream: row.stream,
        externalId: row.external_id,
        payload: JSON.parse(row.payload_json),
        syncedAt: row.synced_at,
        deletedAt: row.deleted_at,
      });
      out.set(row.account_id!, list);
    }
  }
  return out;
}

/**
 * The workspace's price lists, by integration: the live and deleted records of every stream whose
 * mapper declares prices (a subscription may still refer to a retired price).
 *
 * @example (await loadPrices(db, ws, registry)).get('acme')?.get('price_1')?.plan
 */
export async function loadPrices(
  db: Kysely<DB>,
  workspaceId: string,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<Map<string, Map<string, PriceInfo>>> {
  const out = new Map<string, Map<string, PriceInfo>>();
  for (const { integration, stream, facts } of streamsWithFacts(registry, 'billing')) {
    const price = facts.billing?.price;
    if (!price) continue;
    const rows = await db
      .selectFrom('records')
      .select(['external_id', 'payload_json'])
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', integration)
      .where('stream', '=', stream)
      .execute();
    const book = out.get(integration) ?? new Map<string, PriceInfo>();
    for (const r of rows) book.set(r.external_id, price(JSON.parse(r.payload_json)));
    out.set(integration, book);
  }
  return out;
}

/** A mapper's sibling stream, read whole once per pass and reduced by `build`. */
export interface SiblingContext {
  /** The key the result is filed under (the mapper's `integration/stream`). */
  key: string;
  integration: string;
  stream: string;
  build(records: readonly unknown[]): unknown;
}

/**
 * Each context built from its sibling stream's live records (null when that stream holds none).
 *
 * @example (await siblingContexts(db, ws, [{ key: 'acme/companies', integration: 'acme', stream: 'users', build }])).get('acme/companies')
 */
export async function siblingContexts(
  db: Kysely<DB>,
  workspaceId: string,
  contexts: readonly SiblingContext[],
): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const context of contexts) {
    const rows = await db
      .selectFrom('records')
      .select(['payload_json'])
      .where('workspace_id', '=', workspaceId)
      .where('integration', '=', context.integration)
      .where('stream', '=', context.stream)
      .where('deleted_at', 'is', null)
      .execute();
    out.set(
      context.key,
      rows.length === 0 ? null : context.build(rows.map((r) => fromJson<unknown>(r.payload_json, {}))),
    );
  }
  return out;
}

/**
 * What each mapper of a kind of fact (`identity`, `owner`) needs from a sibling stream (which group
 * types are companies, who a user id is), by `integration/stream` of the mapper's stream; built from
 * the sibling's live records.
 *
 * @example (await factContexts(db, ws, 'identity', registry)).get('acme/groups')
 */
export async function factContexts(
  db: Kysely<DB>,
  workspaceId: string,
  kind: 'identity' | 'owner',
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<Map<string, unknown>> {
  return siblingContexts(
    db,
    workspaceId,
    streamsWithFacts(registry, kind).flatMap(({ integration, stream, facts }) => {
      const context = facts[kind]?.context;
      return context
        ? [{ key: `${integration}/${stream}`, integration, stream: context.stream, build: context.build }]
        : [];
    }),
  );
}

/** What each identity mapper needs from a sibling stream (e.g. which group types are companies). */
export const identityContexts = (db: Kysely<DB>, workspaceId: string, registry?: IntegrationRegistry) =>
  factContexts(db, workspaceId, 'identity', registry);
