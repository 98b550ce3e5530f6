export * from './clock.js';
export * from './config.js';
export * from './crypto.js';
export * from './errors.js';
export * from './logger.js';
export * from './metrics.js';
export * from './redact.js';
