import { createRegistry, type IntegrationRegistry } from '../integrations/registry.js';
import type { StreamFacts } from '../integrations/sdk.js';

/**
 * The registry the account pipeline walks for what records mean. Callers that hold the runtime's
 * registry pass it; everything else reads the shipped one.
 */

let shipped: IntegrationRegistry | undefined;

/** The registry of the integrations Beton ships (built once). */
export const shippedRegistry = (): IntegrationRegistry => {
  shipped ??= createRegistry();
  return shipped;
};

export interface FactsLookup {
  /** The facts of `integration/stream`, or undefined when the stream means nothing to accounts. */
  facts(integration: string, stream: string): StreamFacts<unknown> | undefined;
  /** The integration's display name (for messages), or its name when it is not registered. */
  label(integration: string): string;
}

const lookups = new WeakMap<IntegrationRegistry, FactsLookup>();

/**
 * A lookup over every stream's facts, built once per registry (history builds ask per record).
 *
 * @example factsLookup(registry).facts('acme', 'companies')?.identity
 */
export function factsLookup(registry: IntegrationRegistry = shippedRegistry()): FactsLookup {
  let found = lookups.get(registry);
  if (found) return found;
  const byStream = new Map<string, StreamFacts<unknown>>();
  const labels = new Map<string, string>();
  for (const integration of registry.list()) {
    labels.set(integration.name, integration.displayName);
    for (const [stream, def] of Object.entries(integration.streams)) {
      if (def.facts) byStream.set(`${integration.name}/${stream}`, def.facts as StreamFacts<unknown>);
    }
  }
  found = {
    facts: (integration, stream) => byStream.get(`${integration}/${stream}`),
    label: (integration) => labels.get(integration) ?? integration,
  };
  lookups.set(registry, found);
  return found;
}
