import { getAccountTool, searchAccountsTool, topMoversTool } from './accounts.js';
import type { BetonTool } from './define.js';
import { applyPushTool, previewPushPlanTool } from './push.js';
import { listSegmentsTool } from './segments.js';
import { listOccurrencesTool, listSignalsTool, setSignalEnabledTool } from './signals.js';
import { snoozeSignalTool, unsnoozeSignalTool } from './snooze.js';
import { startSyncTool } from './sync.js';

export { type BetonTool, defineTool, registerTools, type ToolAnswer, toolError } from './define.js';

/** Every tool, read tools first; write tools are served only when writes are enabled. */
export const BETON_TOOLS: readonly BetonTool[] = [
  searchAccountsTool,
  listSegmentsTool,
  getAccountTool,
  listOccurrencesTool,
  topMoversTool,
  listSignalsTool,
  previewPushPlanTool,
  snoozeSignalTool,
  unsnoozeSignalTool,
  setSignalEnabledTool,
  startSyncTool,
  applyPushTool,
];
