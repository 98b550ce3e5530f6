/**
 * Beton as a Model Context Protocol server: tools over accounts, signals, movers and push plans
 * (write tools behind a switch and the caller's role), account briefs as resources, every call
 * audited and rate-limited per key. Served over stdio by `beton mcp` and over Streamable HTTP at
 * `/mcp` (src/api/plugins/mcp.ts).
 */
export { accountBrief, accountIdOf, accountPicture, requireAccount } from './brief.js';
export { type McpContext, mcpTrigger, requireRole } from './context.js';
export { AUDIT_RESOURCE_READ, AUDIT_TOOL_CALL, guardTransport, rateKeyOf } from './guard.js';
export { handleMcpRequest } from './http.js';
export { KeyRateLimiter, type RateDecision } from './rate-limit.js';
export { ACCOUNT_URI_TEMPLATE, accountUri, registerResources } from './resources.js';
export { createMcpServer } from './server.js';
export { serveMcpStdio } from './stdio.js';
export {
  BETON_TOOLS,
  type BetonTool,
  defineTool,
  registerTools,
  type ToolAnswer,
  toolError,
} from './tools/index.js';
