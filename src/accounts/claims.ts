import type { IntegrationRegistry } from '../integrations/registry.js';
import { type StreamWithFacts, streamsWithFacts } from '../integrations/sdk.js';
import type { Claim } from '../model/index.js';
import { factsLookup, shippedRegistry } from './registry.js';

/**
 * What one source record says about which company it belongs to. Each stream's mapper (in its
 * integration's folder) makes the claim; this module finds the mapper through the registry.
 */

export type { Claim, Conflict, LinkMethod } from '../model/index.js';

/**
 * Streams whose records carry identity (or attach to an account through one that does), in
 * resolution order: direct claims first, then records that follow others.
 *
 * @example linkedStreams(registry).map((s) => `${s.integration}/${s.stream}`)
 */
export function linkedStreams(registry: IntegrationRegistry = shippedRegistry()): StreamWithFacts[] {
  return streamsWithFacts(registry, 'identity');
}

/**
 * The claim a record makes. `context` is what the stream's mapper built from its sibling stream
 * (see `IdentityFacts.context`), or null.
 *
 * @example claimOf(registry, 'acme', 'companies', { domain: 'acme.io' }, null) // { kind: 'domain', domain: 'acme.io', … }
 */
export function claimOf(
  registry: IntegrationRegistry,
  integration: string,
  stream: string,
  payload: unknown,
  context: unknown,
): Claim {
  const identity = factsLookup(registry).facts(integration, stream)?.identity;
  if (!identity) return { kind: 'none', reason: `${integration}/${stream} carries no identity` };
  return identity.claim(payload, context ?? null);
}

/**
 * The company name a record offers and its priority (lower wins), or null.
 *
 * @example nameOf(registry, 'acme', 'companies', payload) // { name: 'Acme', priority: 10 }
 */
export function nameOf(
  registry: IntegrationRegistry,
  integration: string,
  stream: string,
  payload: unknown,
): { name: string; priority: number } | null {
  const mapper = factsLookup(registry).facts(integration, stream)?.name;
  if (!mapper) return null;
  const name = mapper.of(payload);
  return name ? { name, priority: mapper.priority } : null;
}
