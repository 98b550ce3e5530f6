import type { ConnectionDeps } from '../connections/deps.js';
import type { IngestLimits } from '../integrations/index.js';
import { type IngestKeyView, ingestConnection, listIngestKeys } from './keys.js';

/** What an ingest connection's page shows: where to send, its keys, and what arrived. */
export interface IngestStatus {
  integration: string;
  connectionId: string;
  /** Calls accepted, as paths (`/v1/track`, `/api/v1/ingest/track`), and as URLs when the public URL is known. */
  paths: string[];
  host: string | null;
  calls: string[];
  limits: IngestLimits;
  keys: IngestKeyView[];
  counts: {
    received: number;
    duplicates: number;
    rejected: number;
    unattributed: number;
    lastReceivedAt: string | null;
    lastRejectedAt: string | null;
    lastRejectReason: string | null;
  };
  /** Sender configuration with `{host}` filled in and `{key}` left for the key shown once. */
  snippet: string | null;
}

/**
 * The ingest status of a workspace's connection of `name`: paths, keys (never the keys themselves),
 * counters of calls received, duplicated, rejected (with the last reason) and unattributed.
 *
 * @example
 * const s = await ingestStatus(rt, workspaceId, 'acme', 'https://beton.example.com');
 * s.counts.received; // 5000
 */
export async function ingestStatus(
  deps: ConnectionDeps,
  workspaceId: string,
  name: string,
  host: string | null,
): Promise<IngestStatus> {
  const { integration, connectionId } = await ingestConnection(deps, workspaceId, name);
  const capability = integration.ingest!;
  const row = await deps.db.kysely
    .selectFrom('ingest_counters')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('connection_id', '=', connectionId)
    .executeTakeFirst();
  const calls = [...capability.calls];
  return {
    integration: name,
    connectionId,
    paths: calls.flatMap((c) => [`/v1/${c}`, `/api/v1/ingest/${c}`]),
    host,
    calls,
    limits: capability.limits,
    keys: await listIngestKeys(deps, workspaceId, connectionId),
    counts: {
      received: Number(row?.received ?? 0),
      duplicates: Number(row?.duplicates ?? 0),
      rejected: Number(row?.rejected ?? 0),
      unattributed: Number(row?.unattributed ?? 0),
      lastReceivedAt: row?.last_received_at ?? null,
      lastRejectedAt: row?.last_rejected_at ?? null,
      lastRejectReason: row?.last_reject_reason ?? null,
    },
    snippet: capability.snippet
      ? capability.snippet.replaceAll('{host}', host ?? 'https://<your Beton host>')
      : null,
  };
}
