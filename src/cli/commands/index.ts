import type { Command } from 'commander';
import { registerAlerts } from './alerts.js';
import { registerApiKey } from './apikey.js';
import { registerConnect } from './connect.js';
import { registerEnrich } from './enrich.js';
import { registerInit } from './init.js';
import { registerIntegrationNew } from './integration-new.js';
import { registerIntegrations } from './integrations.js';
import { registerKeys } from './keys.js';
import { registerMcp } from './mcp.js';
import { registerMembers } from './members.js';
import { registerMigrate } from './migrate.js';
import { registerPeople } from './people.js';
import { registerPush } from './push.js';
import { registerRuns } from './runs.js';
import { registerScore } from './score.js';
import { registerSegmentLists } from './segment-lists.js';
import { registerSegments } from './segments.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';
import { registerSnooze } from './snooze.js';
import { registerSync } from './sync.js';
import { registerWebhooks } from './webhooks.js';
import { registerWorker } from './worker.js';
import { registerWorkspaces } from './workspaces.js';
import { registerWriteKeys } from './write-keys.js';

/**
 * Every top-level `beton` command, in help order. Add one line per command group; each adds its
 * verbs with `withRuntime`, `output` and `--json` from ../support.ts. Import services inside the
 * action (`await import(…)`) so `beton --help` stays fast.
 */
export const commands: ((program: Command) => void)[] = [
  registerServe,
  registerWorker,
  registerInit,
  registerMigrate,
  registerWorkspaces,
  registerMembers,
  registerApiKey,
  registerKeys,
  registerIntegrations,
  registerConnect,
  registerWriteKeys,
  registerSync,
  registerRuns,
  registerIntegrationNew,
  registerEnrich,
  registerScore,
  registerSegments,
  registerSegmentLists,
  registerPeople,
  registerSnooze,
  registerPush,
  registerAlerts,
  registerWebhooks,
  registerMcp,
  registerSimulate,
];
