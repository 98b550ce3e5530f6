import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Role } from '../../auth/index.js';
import { isAppError } from '../../core/errors.js';
import { type McpContext, requireRole } from '../context.js';

/** What a tool answers: a short text for the model and the same facts as structured content. */
export interface ToolAnswer {
  text: string;
  data: Record<string, unknown>;
}

/**
 * One MCP tool, declared: name and description for the model, the zod object its arguments must
 * match (served as JSON Schema), the role the equivalent API route needs, and whether it writes.
 */
export interface BetonTool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: S;
  /** The role the same question or action needs over the API. */
  access: Role;
  /** Changes something: only registered when writes are enabled. */
  write: boolean;
  /** What the role check says the caller tried to do ("start a sync"). */
  action: string;
  run(ctx: McpContext, args: z.output<S>): Promise<ToolAnswer>;
}

/**
 * Declare a tool (typed arguments from its schema).
 *
 * @example
 * export const listSignalsTool = defineTool({
 *   name: 'list_signals', title: 'Signals', description: '…', access: 'viewer', write: false,
 *   action: 'read signals', input: z.strictObject({}), run: async (ctx) => ({ text: '…', data: {} }),
 * });
 */
export const defineTool = <S extends z.ZodObject>(tool: BetonTool<S>): BetonTool =>
  tool as unknown as BetonTool;

/** A tool error the model can read and act on. */
export const toolError = (text: string): CallToolResult => ({
  content: [{ type: 'text', text }],
  isError: true,
});

/**
 * Register tools on a server: write tools only when the context allows writes; every call checks
 * the caller's role first, and a failure becomes a tool error that says why (an unexpected one is
 * logged and answered without internals).
 *
 * @example
 * registerTools(server, ctx, [searchAccountsTool, getAccountTool]);
 */
export function registerTools(server: McpServer, ctx: McpContext, tools: readonly BetonTool[]): void {
  for (const tool of tools) {
    if (tool.write && !ctx.writes) continue;
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        annotations: { readOnlyHint: !tool.write, openWorldHint: false },
      },
      async (args: unknown): Promise<CallToolResult> => {
        try {
          requireRole(ctx, tool.access, tool.action);
          const answer = await tool.run(ctx, args as never);
          return { content: [{ type: 'text', text: answer.text }], structuredContent: answer.data };
        } catch (error) {
          if (isAppError(error)) return toolError(error.message);
          ctx.rt.logger.error({ err: error, tool: tool.name }, 'MCP tool failed');
          return toolError(
            `${tool.name} failed unexpectedly; the server log has the details. Try again, or use the Beton web app.`,
          );
        }
      },
    );
  }
}
