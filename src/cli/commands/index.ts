import type { Command } from 'commander';
import { registerApiKey } from './apikey.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerMigrate } from './migrate.js';
import { registerServe } from './serve.js';
import { registerWorkspaces } from './workspaces.js';

/**
 * Every top-level `beton` command, in help order. Add one line per command group; each adds its
 * verbs with `withRuntime`, `output` and `--json` from ../support.ts. Import services inside the
 * action (`await import(…)`) so `beton --help` stays fast.
 */
export const commands: ((program: Command) => void)[] = [
  registerServe,
  registerInit,
  registerMigrate,
  registerWorkspaces,
  registerApiKey,
  registerKeys,
];
