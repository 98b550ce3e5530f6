import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { packageVersion } from '../core/package-root.js';
import type { McpContext } from './context.js';
import { registerResources } from './resources.js';
import { BETON_TOOLS, registerTools } from './tools/index.js';

const INSTRUCTIONS = `Beton scores a SaaS company's customer accounts from product usage, billing and CRM data.
Each account has a grade (M100 best, then M75, M50, M25, M10), an overall score and health, expansion, churn-risk and fit scores (0-100), each explained by the signals that drive it.
Start with search_accounts (filters, or a saved segment from list_segments) or top_movers, then get_account for the why and the people. list_signals tells how far each signal can be trusted (backtest precision, lift, lead time).
Accounts are named by id (acc_…) or company domain. Every call is audited.`;

/**
 * An MCP server for one caller: Beton's tools (write tools only when `ctx.writes`) and the account
 * brief resources, all scoped to the caller's workspace and role. Connect it to one transport.
 *
 * @example
 * const server = createMcpServer({ rt, actor, writes: false });
 * await server.connect(new StdioServerTransport());
 */
export function createMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer(
    { name: 'beton', title: 'Beton', version: packageVersion },
    { capabilities: { tools: {}, resources: {} }, instructions: INSTRUCTIONS },
  );
  registerTools(server, ctx, BETON_TOOLS);
  registerResources(server, ctx);
  return server;
}
