/**
 * The canonical model: the facts Beton's domain (accounts, signals, scoring) consumes, whatever
 * source they came from. Integrations map their records into these types (each integration's
 * `mappers.ts`); the domain reads only these. The model imports nothing from the rest of Beton.
 */

export * from './billing.js';
export * from './deals.js';
export * from './domains.js';
export * from './feedback.js';
export * from './firmographics.js';
export * from './identity.js';
export * from './owners.js';
export * from './people.js';
export * from './time.js';
export * from './usage.js';
