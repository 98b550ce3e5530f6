import { type Actor, type Role, roleAtLeast } from '../auth/index.js';
import { forbidden } from '../core/errors.js';
import type { Runtime } from '../runtime/index.js';

/**
 * Everything a tool or resource needs: the runtime, who calls (one workspace, one role — an API
 * key's actor over HTTP, the local operator over stdio) and whether write tools are served.
 */
export interface McpContext {
  rt: Runtime;
  actor: Actor;
  /** Write tools are listed and callable (`--allow-writes` / `BETON_MCP_WRITES=true`). */
  writes: boolean;
}

/**
 * Refuse unless the caller's role grants `required` — the role the equivalent API route needs, so
 * a key can do over MCP exactly what it can do over the API.
 *
 * @example
 * requireRole(ctx, 'member', 'preview a push plan');
 */
export function requireRole(ctx: McpContext, required: Role, what: string): void {
  if (!roleAtLeast(ctx.actor.role, required)) {
    throw forbidden(
      `To ${what} this needs the ${required} role; this key is ${ctx.actor.role} in its workspace. Ask an admin for a key with the ${required} role.`,
    );
  }
}

/** How runs this caller starts are labelled in run history. */
export const mcpTrigger = (ctx: McpContext): 'api' | 'cli' => (ctx.actor.apiKeyId ? 'api' : 'cli');
