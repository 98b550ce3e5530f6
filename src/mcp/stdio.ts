import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpContext } from './context.js';
import { guardTransport } from './guard.js';
import type { KeyRateLimiter } from './rate-limit.js';
import { createMcpServer } from './server.js';

/**
 * Serve MCP over this process's stdin/stdout until the client closes stdin. stdout carries only
 * the protocol: whoever calls this must log to stderr.
 *
 * @example
 * await serveMcpStdio({ rt, actor: cliActor(ws.id), writes: false }, new KeyRateLimiter(120));
 */
export async function serveMcpStdio(ctx: McpContext, limiter: KeyRateLimiter): Promise<void> {
  const server = createMcpServer(ctx);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  guardTransport(transport, ctx, { limiter });
  await closed;
  await server.close();
}
