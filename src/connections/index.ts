/** Connections: one per workspace and integration; credentials validated live, stored encrypted, shown masked. */
export type { ConnectionDeps } from './deps.js';
export {
  type EnvOverrides,
  envCredentialsWarning,
  envOverrides,
  envVarName,
  workspaceEnvOverrides,
} from './env.js';
export { canReadUpstreamErrors, errorClassOf, integrationViewFor, runViewFor } from './error-class.js';
export {
  type CapabilityProviders,
  CHOOSABLE_CAPABILITIES,
  type ChoosableCapability,
  capabilityProviders,
  chooseProvider,
  providerFor,
} from './providers.js';
export * from './service.js';
