import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { shippedRegistry } from './registry.js';
import { chunks } from './store.js';

/**
 * Links to an account's company record in each connected CRM (its own app), for alerts and the
 * account page. The record is the CRM company synced and linked to the account, else the one the
 * push last wrote for it; the address comes from the destination's `recordUrl` and what the
 * connection's last check stored. No call to any service.
 */

export interface CrmRecordLink {
  integration: string;
  /** The service's display name, as its definition gives it. */
  label: string;
  recordId: string;
  url: string;
}

/**
 * Each account's CRM record links, in registry order (accounts without any are absent).
 *
 * @example (await crmRecordLinks(db, ws, [accountId])).get(accountId) // [{ integration: 'acme', label: 'Acme CRM', url: 'https://…' }]
 */
export async function crmRecordLinks(
  db: Kysely<DB>,
  workspaceId: string,
  accountIds: readonly string[],
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<Map<string, CrmRecordLink[]>> {
  const out = new Map<string, CrmRecordLink[]>();
  const linking = registry.list().filter((i) => i.destination?.recordUrl);
  if (linking.length === 0 || accountIds.length === 0) return out;
  const connections = await db
    .selectFrom('connections')
    .select(['integration', 'health_json'])
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'connected')
    .where(
      'integration',
      'in',
      linking.map((i) => i.name),
    )
    .execute();
  for (const integration of linking) {
    const connection = connections.find((c) => c.integration === integration.name);
    if (!connection) continue;
    const details = fromJson<{ details?: Record<string, unknown> } | null>(
      connection.health_json,
      null,
    )?.details;
    const records = await recordIdsOf(
      db,
      workspaceId,
      integration.name,
      integration.destination!.recordStream,
      accountIds,
    );
    for (const [accountId, recordId] of records) {
      const url = integration.destination!.recordUrl!(recordId, { details: details ?? {} });
      if (!url) continue;
      const list = out.get(accountId) ?? [];
      list.push({ integration: integration.name, label: integration.displayName, recordId, url });
      out.set(accountId, list);
    }
  }
  return out;
}

/** The company record id per account: the linked synced record (first by id), else the last push's. */
async function recordIdsOf(
  db: Kysely<DB>,
  workspaceId: string,
  integration: string,
  stream: string | undefined,
  accountIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunks([...accountIds])) {
    if (stream) {
      // A company deleted in the CRM has no page to open.
      const linked = await db
        .selectFrom('account_links as l')
        .innerJoin('records as r', (j) =>
          j
            .onRef('r.workspace_id', '=', 'l.workspace_id')
            .onRef('r.integration', '=', 'l.integration')
            .onRef('r.stream', '=', 'l.stream')
            .onRef('r.external_id', '=', 'l.external_id'),
        )
        .select(['l.account_id', 'l.external_id'])
        .where('l.workspace_id', '=', workspaceId)
        .where('l.integration', '=', integration)
        .where('l.stream', '=', stream)
        .where('l.status', '=', 'linked')
        .where('l.account_id', 'in', chunk)
        .where('r.deleted_at', 'is', null)
        .orderBy('l.external_id')
        .execute();
      for (const r of linked)
        if (r.account_id && !out.has(r.account_id)) out.set(r.account_id, r.external_id);
    }
    const pushed = await db
      .selectFrom('push_state')
      .select(['account_id', 'record_id'])
      .where('workspace_id', '=', workspaceId)
      .where('destination', '=', integration)
      .where('account_id', 'in', chunk)
      .where('record_id', 'is not', null)
      .orderBy('record_key')
      .execute();
    for (const r of pushed)
      if (r.account_id && r.record_id && !out.has(r.account_id)) out.set(r.account_id, r.record_id);
  }
  return out;
}
