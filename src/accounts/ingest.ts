import type { Kysely } from 'kysely';
import type { DB } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import { linkedStreams } from './claims.js';
import { rebuildHistories } from './histories.js';
import { ownerDirectoryChanged, refreshOwners } from './owners.js';
import { resolveIdentities } from './resolve.js';
import { latestChange } from './source.js';
import { chunks, touchAccounts } from './store.js';
import { ingestUsage, rederiveUsage, usageStreams } from './usage-ingest.js';

/**
 * One incremental pass from synced records to accounts: resolve identities, derive usage, rebuild
 * the histories (and owners) of accounts whose records changed, and mark what a score run must look at.
 */

/**
 * How long a sync may take between stamping a page's `changed_at` and committing it. The next pass
 * re-reads changes this close to the end of the previous pass, so a page committed late by a
 * concurrent sync is not skipped.
 */
export const COMMIT_LAG_MS = 60_000;

/** The earlier of two ISO timestamps. */
const earlier = (a: string, b: string) => (a < b ? a : b);

export interface IngestResult {
  /** Accounts whose data changed in this pass. */
  touched: Set<string>;
  /** Accounts whose past changed (history replay needed). */
  replay: Set<string>;
  /** Accounts whose daily usage changed, with the earliest day that changed. */
  usageChanged: ReadonlyMap<string, number>;
  removed: string[];
  /** The next pass starts here. */
  watermark: string | null;
  usageRows: number;
  linksWritten: number;
}

export interface IngestOptions {
  /** Changes after this were not read yet (null: first pass, read everything). */
  watermark: string | null;
  now: string;
  /** Usage changes before this day rewrite the replayed past (day number; null: everything is past). */
  liveSinceDay: number | null;
  onStep?: (step: 'identities' | 'usage' | 'histories', detail: string) => void;
  /** Where the meaning of records comes from (default: the shipped integrations). */
  registry?: IntegrationRegistry;
}

/**
 * @example
 * const { touched, watermark } = await ingestChanges(db, ws, { watermark: state.records_watermark, now, liveSinceDay });
 */
export async function ingestChanges(
  db: Kysely<DB>,
  workspaceId: string,
  options: IngestOptions,
): Promise<IngestResult> {
  const registry = options.registry;
  const latest = await latestChange(db, workspaceId, [...linkedStreams(registry), ...usageStreams(registry)]);
  const since = options.watermark;
  // Changes stamped before (now − lag) are committed by now; later ones are read again next time.
  const settled = new Date(Date.parse(options.now) - COMMIT_LAG_MS).toISOString();
  const next = latest === null ? options.watermark : earlier(latest, settled);
  let resolved = 0;
  const identities = await resolveIdentities(db, workspaceId, {
    since,
    now: options.now,
    onBatch: (stream, n) => {
      resolved += n;
      options.onStep?.('identities', `${stream}: ${resolved} records`);
    },
    ...(registry ? { registry } : {}),
  });
  options.onStep?.('usage', 'deriving daily usage');
  const usage = await ingestUsage(db, workspaceId, {
    since,
    now: options.now,
    ...(registry ? { registry } : {}),
  });

  const moved = new Set<string>();
  for (const { from, to } of identities.rekeyed.values()) moved.add(from).add(to);
  if (moved.size > 0) await rederiveUsage(db, workspaceId, [...moved], options.now, registry);

  const touched = new Set<string>([...identities.touched, ...usage.changed.keys(), ...moved]);
  // New accounts (from usage keys) have no history yet; changed links change the history.
  const needHistory = new Set<string>([...identities.touched, ...moved]);
  for (const chunk of chunks([...touched])) {
    const fresh = await db
      .selectFrom('accounts')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', chunk)
      // The hash, not the text: an index covers it (the text makes the account row wide).
      .where('history_hash', 'is', null)
      .execute();
    for (const r of fresh) needHistory.add(r.id);
  }
  options.onStep?.('histories', `${needHistory.size} accounts`);
  const rebuilt = await rebuildHistories(db, workspaceId, [...needHistory], options.now, registry);
  for (const id of rebuilt.removed) touched.delete(id);
  // A CRM's users changed (an owner's new e-mail or name): owners of records that did not move follow.
  if (since !== null && (await ownerDirectoryChanged(db, workspaceId, since, registry)))
    await refreshOwners(db, workspaceId, options.now, registry);

  const replay = new Set<string>(rebuilt.historyChanged);
  for (const [account, minDay] of usage.changed) {
    if (options.liveSinceDay === null || minDay < options.liveSinceDay) replay.add(account);
  }
  for (const id of moved) replay.add(id);
  for (const id of rebuilt.removed) replay.delete(id);
  await touchAccounts(
    db,
    workspaceId,
    [...touched].filter((id) => !replay.has(id)),
    options.now,
  );
  await touchAccounts(db, workspaceId, [...replay], options.now, { replay: true });
  return {
    touched,
    replay,
    usageChanged: usage.changed,
    removed: rebuilt.removed,
    watermark: next ?? options.watermark,
    usageRows: usage.rows,
    linksWritten: identities.linksWritten,
  };
}
