/**
 * The generic engine of the `ingest` capability (integrations/capabilities/ingest.ts): write keys,
 * accepting calls (dedupe, limits, one transaction before the answer) and the connection's status.
 */
export * from './accept.js';
export * from './keys.js';
export * from './rate.js';
export * from './status.js';
