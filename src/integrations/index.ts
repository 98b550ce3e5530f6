/** The integration SDK and the registry of shipped integrations. */
export * from './registry.js';
export * from './sdk.js';
export * from './client-factory.js';
export * from './paging.js';
