import type { Kysely } from 'kysely';
import { chunks } from '../accounts/index.js';
import type { DB } from '../db/index.js';
import { fromJson } from '../db/index.js';
import type { Firmographics } from './fit.js';

/** Apollo organizations from the enrichment cache, reduced to what fit reads. */
export function firmographicsOf(organization: unknown): Firmographics | null {
  if (!organization || typeof organization !== 'object') return null;
  const o = organization as Record<string, unknown>;
  const num = (v: unknown) =>
    typeof v === 'number' && Number.isFinite(v)
      ? v
      : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
        ? Number(v)
        : null;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    name: str(o.name),
    industry: str(o.industry),
    employees: num(o.estimated_num_employees ?? o.estimatedNumEmployees),
    annualRevenue: num(o.annual_revenue ?? o.annualRevenue),
    country: str(o.country),
  };
}

/**
 * Firmographics per domain for the domains Apollo found.
 *
 * @example const firms = await loadFirmographics(db, ws, ['acme.io']);
 */
export async function loadFirmographics(
  db: Kysely<DB>,
  workspaceId: string,
  domains: readonly string[] | null,
): Promise<Map<string, Firmographics>> {
  const out = new Map<string, Firmographics>();
  const read = async (chunk: readonly string[] | null) => {
    let q = db
      .selectFrom('enrichment_cache')
      .select(['domain', 'organization_json'])
      .where('workspace_id', '=', workspaceId)
      .where('found', '=', 1);
    if (chunk) q = q.where('domain', 'in', chunk);
    for (const r of await q.execute()) {
      const firm = firmographicsOf(fromJson(r.organization_json, null));
      if (firm) out.set(r.domain, firm);
    }
  };
  if (domains === null) await read(null);
  else for (const chunk of chunks(domains)) await read(chunk);
  return out;
}
