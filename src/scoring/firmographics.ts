import type { Kysely } from 'kysely';
import { chunks, shippedRegistry } from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import type { IntegrationRegistry } from '../integrations/registry.js';
import type { Firmographics } from '../model/index.js';

/**
 * The enrichment whose organizations fill the cache: the first registered integration declaring a
 * firmographics mapper (its `facts.firmographics`), with its display name for messages; or null.
 *
 * @example firmographicsProvider(registry)?.displayName // 'Acme Data'
 */
export function firmographicsProvider(registry: IntegrationRegistry = shippedRegistry()) {
  for (const integration of registry.list()) {
    const mapper = integration.facts?.firmographics;
    if (mapper) return { name: integration.name, displayName: integration.displayName, of: mapper.of };
  }
  return null;
}

/**
 * Firmographics per domain for the domains the enrichment found, through its mapper.
 *
 * @example const firms = await loadFirmographics(db, ws, ['acme.io']);
 */
export async function loadFirmographics(
  db: Kysely<DB>,
  workspaceId: string,
  domains: readonly string[] | null,
  registry: IntegrationRegistry = shippedRegistry(),
): Promise<Map<string, Firmographics>> {
  const out = new Map<string, Firmographics>();
  const provider = firmographicsProvider(registry);
  if (!provider) return out;
  const read = async (chunk: readonly string[] | null) => {
    let q = db
      .selectFrom('enrichment_cache')
      .select(['domain', 'organization_json'])
      .where('workspace_id', '=', workspaceId)
      .where('found', '=', 1);
    if (chunk) q = q.where('domain', 'in', chunk);
    for (const r of await q.execute()) {
      const firm = provider.of(fromJson(r.organization_json, null));
      if (firm) out.set(r.domain, firm);
    }
  };
  if (domains === null) await read(null);
  else for (const chunk of chunks(domains)) await read(chunk);
  return out;
}
