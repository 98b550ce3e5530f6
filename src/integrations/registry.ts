import { AppError } from '../core/errors.js';
import apollo from './apollo/index.js';
import attio from './attio/index.js';
import eventApi from './event_api/index.js';
import hubspot from './hubspot/index.js';
import postgres from './postgres/index.js';
import posthog from './posthog/index.js';
import type { AnyIntegration } from './sdk.js';
import slack from './slack/index.js';
import stripe from './stripe/index.js';

/**
 * Every integration Beton ships: one import and one line each. Routes, CLI verbs, schedules and the
 * docs index are derived from this list.
 */
export const integrations: readonly AnyIntegration[] = [
  apollo,
  attio,
  eventApi,
  postgres,
  posthog,
  stripe,
  hubspot,
  slack,
];

/**
 * A lookup over a list of integrations. The runtime holds one built from `integrations`; tests build
 * their own with a test integration.
 *
 * @example
 * const registry = createRegistry([testkit]);
 * registry.require('testkit').streams.items;
 * registry.list().map((i) => i.name);
 */
export interface IntegrationRegistry {
  list(): readonly AnyIntegration[];
  get(name: string): AnyIntegration | undefined;
  /** Throws a 404 AppError naming the known integrations. */
  require(name: string): AnyIntegration;
}

export function createRegistry(list: readonly AnyIntegration[] = integrations): IntegrationRegistry {
  const byName = new Map<string, AnyIntegration>();
  for (const integration of list) {
    if (byName.has(integration.name))
      throw new Error(`Integration "${integration.name}" is registered twice.`);
    byName.set(integration.name, integration);
  }
  const frozen = Object.freeze([...list]);
  return {
    list: () => frozen,
    get: (name) => byName.get(name),
    require(name) {
      const found = byName.get(name);
      if (!found) {
        const known = [...byName.keys()].join(', ') || 'none';
        throw new AppError(
          404,
          'not_found',
          `Integration "${name}" is not known. Known integrations: ${known}.`,
        );
      }
      return found;
    },
  };
}
