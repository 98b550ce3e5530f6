/** Connections: one per workspace and integration; credentials validated live, stored encrypted, shown masked. */
export type { ConnectionDeps } from './deps.js';
export { type EnvOverrides, envOverrides, envVarName } from './env.js';
export * from './service.js';
