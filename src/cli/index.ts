export { buildProgram } from './program.js';
export { type ServeOptions, type StartupStep, startupSteps } from './startup.js';
export {
  ask,
  CliError,
  formatTable,
  isInteractive,
  jsonOption,
  type OutputOptions,
  output,
  type Progress,
  progressBar,
  reportError,
  resolveWorkspaceOption,
  withRuntime,
  workspaceOption,
} from './support.js';
