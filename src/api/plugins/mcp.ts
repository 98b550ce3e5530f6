import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { handleMcpRequest, KeyRateLimiter } from '../../mcp/index.js';
import type { Runtime } from '../../runtime/index.js';
import { apiKeyActorOf } from './auth.js';

/** Path of the Streamable HTTP endpoint. */
export const MCP_PATH = '/mcp';

const NO_KEY =
  'The MCP endpoint takes an API key only: send "Authorization: Bearer beton_…" (create one in Settings → API keys, or with `npx beton apikey create`). Browser sessions are not accepted here.';

/**
 * Beton's MCP server over Streamable HTTP at `/mcp`, stateless: each POST carries a JSON-RPC
 * message and an API key, and gets a fresh server scoped to that key's workspace and role. Only
 * API keys authenticate (a session cookie would let any page the user visits drive the tools); each
 * key has its own request budget (`BETON_MCP_RATE_LIMIT` a minute, 429 with `Retry-After` beyond);
 * write tools exist only with `BETON_MCP_WRITES=true`. GET (a server-sent stream) and DELETE (end a
 * session) have nothing to serve without sessions: 405, as the protocol allows. Hidden from OpenAPI.
 */
export async function registerMcp(app: FastifyInstance, rt: Runtime) {
  const limiter = new KeyRateLimiter(rt.config.BETON_MCP_RATE_LIMIT);
  const writes = rt.config.BETON_MCP_WRITES;
  await app.register(async (mcp) => {
    mcp.addHook('onRequest', async (request, reply) => {
      const actor = await apiKeyActorOf(rt, request);
      if (!actor?.apiKeyId) {
        reply.header('www-authenticate', 'Bearer realm="beton"');
        throw new AppError(401, 'unauthorized', NO_KEY);
      }
      const decision = limiter.take(actor.apiKeyId);
      if (!decision.ok) {
        reply.header('retry-after', String(decision.retryAfterSeconds));
        throw new AppError(
          429,
          'rate_limited',
          `This API key made more than ${limiter.perMinute} MCP requests in a minute; retry in ${decision.retryAfterSeconds} s.`,
        );
      }
      request.actor = actor;
    });

    mcp.post(MCP_PATH, { schema: { hide: true } }, async (request, reply) => {
      // The SDK's transport writes the answer on the raw response.
      reply.hijack();
      await handleMcpRequest({ rt, actor: request.actor!, writes }, request.raw, reply.raw, request.body);
    });

    for (const method of ['GET', 'DELETE'] as const) {
      mcp.route({
        method,
        url: MCP_PATH,
        schema: { hide: true },
        handler: async (_request, reply) =>
          reply
            .status(405)
            .header('allow', 'POST')
            .send({
              jsonrpc: '2.0',
              error: {
                code: -32000,
                message:
                  'Method not allowed: this MCP server is stateless; POST each JSON-RPC message to /mcp.',
              },
              id: null,
            }),
      });
    }
  });
}
