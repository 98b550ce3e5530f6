import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpContext } from './context.js';
import { guardTransport } from './guard.js';
import { createMcpServer } from './server.js';

/**
 * Answer one Streamable HTTP request (a POSTed JSON-RPC message or batch) with a fresh server and
 * a stateless transport: no session is kept between requests, so any server behind a load
 * balancer can answer any request, and each request carries its own API key. Answers are plain
 * JSON (no SSE stream): every tool answers in one piece.
 *
 * @example
 * reply.hijack();
 * await handleMcpRequest({ rt, actor, writes }, request.raw, reply.raw, request.body);
 */
export async function handleMcpRequest(
  ctx: McpContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const server = createMcpServer(ctx);
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  guardTransport(transport, ctx);
  await transport.handleRequest(req, res, body);
}
