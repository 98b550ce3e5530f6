import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';
import { recordAudit } from '../audit/index.js';
import { auditActorOf } from '../auth/index.js';
import type { McpContext } from './context.js';
import type { KeyRateLimiter } from './rate-limit.js';

/** Audit action of a tool call; `mcp.resource` for a resource read. */
export const AUDIT_TOOL_CALL = 'mcp.tool_call';
export const AUDIT_RESOURCE_READ = 'mcp.resource_read';

interface Pending {
  action: string;
  target: string;
  details: Record<string, unknown>;
}

type RequestId = string | number;

/** The key a caller's budget is counted under: the API key's id, or the local operator. */
export const rateKeyOf = (ctx: McpContext) => ctx.actor.apiKeyId ?? 'cli';

/**
 * Put the audit log and (optionally) the rate limit around a connected transport, seeing every
 * message as it passes, so no call escapes them: a call the SDK refuses (bad arguments, unknown
 * tool) is audited like one that ran. Each `tools/call` and `resources/read` is written to the
 * audit log — tool, arguments, the key's id, whether it failed — before its answer leaves, so the
 * entry exists when the client reads the answer. With a limiter, a call over the caller's budget
 * is answered with a tool error saying when to retry, without reaching the tool (stdio; over HTTP
 * the route answers 429 before the transport sees the request).
 *
 * @example
 * await server.connect(transport);
 * guardTransport(transport, ctx, { limiter });
 */
export function guardTransport(
  transport: Transport,
  ctx: McpContext,
  opts: { limiter?: KeyRateLimiter } = {},
) {
  const pending = new Map<RequestId, Pending>();
  const receive = transport.onmessage;
  const send = transport.send.bind(transport);

  transport.onmessage = (message, extra) => {
    if (isJSONRPCRequest(message)) {
      const params = (message.params ?? {}) as Record<string, unknown>;
      if (message.method === 'tools/call') {
        const tool = String(params.name ?? '');
        if (opts.limiter) {
          const decision = opts.limiter.take(rateKeyOf(ctx));
          if (!decision.ok) {
            pending.set(message.id, {
              action: AUDIT_TOOL_CALL,
              target: tool,
              details: { tool, rateLimited: true },
            });
            void transport.send({
              jsonrpc: '2.0',
              id: message.id,
              result: {
                isError: true,
                content: [
                  {
                    type: 'text',
                    text: `Rate limit: this caller may make ${opts.limiter.perMinute} calls a minute. Retry in ${decision.retryAfterSeconds} s.`,
                  },
                ],
              },
            });
            return;
          }
        }
        pending.set(message.id, {
          action: AUDIT_TOOL_CALL,
          target: tool,
          details: { tool, arguments: params.arguments ?? {} },
        });
      } else if (message.method === 'resources/read') {
        const uri = String(params.uri ?? '');
        pending.set(message.id, { action: AUDIT_RESOURCE_READ, target: uri, details: { uri } });
      }
    }
    receive?.(message, extra);
  };

  transport.send = async (message: JSONRPCMessage, options) => {
    const id = 'id' in message ? (message.id as RequestId | undefined) : undefined;
    const call = id !== undefined ? pending.get(id) : undefined;
    if (call && id !== undefined && (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message))) {
      pending.delete(id);
      const failed =
        isJSONRPCErrorResponse(message) || (message.result as { isError?: boolean }).isError === true;
      const reason = isJSONRPCErrorResponse(message)
        ? message.error.message
        : failed
          ? textOf(message.result)
          : undefined;
      try {
        await recordAudit(
          ctx.rt.db.kysely,
          ctx.actor.workspaceId,
          auditActorOf(ctx.actor),
          call.action,
          {
            targetType: call.action === AUDIT_TOOL_CALL ? 'mcp_tool' : 'mcp_resource',
            targetId: call.target,
            details: {
              ...call.details,
              apiKeyId: ctx.actor.apiKeyId,
              ok: !failed,
              ...(reason ? { error: reason.slice(0, 500) } : {}),
            },
          },
          ctx.rt.clock,
        );
      } catch (error) {
        // The answer still goes out; a lost audit row is logged loudly rather than failing the call.
        ctx.rt.logger.error({ err: error, tool: call.target }, 'MCP audit entry could not be written');
      }
    }
    return send(message, options);
  };
}

function textOf(result: unknown): string | undefined {
  const content = (result as { content?: { type: string; text?: string }[] }).content;
  return content?.find((c) => c.type === 'text')?.text;
}
