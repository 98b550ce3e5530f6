/** The integration SDK and the registry of shipped integrations. */

export * from './client-factory.js';
export * from './registry.js';
export * from './sdk.js';
