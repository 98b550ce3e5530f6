import type { Command } from 'commander';
import { resolveWorkspaceOption, withRuntime, workspaceOption } from '../support.js';

/**
 * `beton mcp`: Beton's MCP server over stdio, for an AI assistant that starts it as a command
 * (Claude Desktop, Claude Code, Cursor). It acts as the CLI does — the local operator, on one
 * workspace — and writes nothing unless started with `--allow-writes`. stdout carries only the
 * protocol; logs go to stderr.
 */
export function registerMcp(program: Command) {
  workspaceOption(
    program
      .command('mcp')
      .description('Serve Beton to an AI assistant over MCP (stdio): accounts, signals, explanations')
      .option(
        '--allow-writes',
        'also serve write tools (snooze or unsnooze a signal for one account, turn a signal off, start a sync, apply a push)',
      )
      .addHelpText(
        'after',
        `
An MCP client starts it as a command; stdout carries only the protocol, logs go to stderr.
  Claude Code:  claude mcp add beton -- npx beton mcp --workspace <slug>
  Others:       "mcpServers": { "beton": { "command": "npx", "args": ["beton", "mcp", "--workspace", "<slug>"] } }
Remote assistants use the server's Streamable HTTP endpoint instead: POST <server>/mcp with
"Authorization: Bearer beton_…" (BETON_MCP_WRITES=true serves the write tools there). See docs/mcp.md.`,
      ),
  ).action((opts: { workspace?: string; allowWrites?: boolean }) =>
    withRuntime(async (rt) => {
      const { cliActor } = await import('../../auth/index.js');
      const { KeyRateLimiter, serveMcpStdio } = await import('../../mcp/index.js');
      const ws = await resolveWorkspaceOption(rt, opts);
      rt.logger.info({ workspace: ws.slug, writes: Boolean(opts.allowWrites) }, 'MCP server on stdio');
      await serveMcpStdio(
        { rt, actor: cliActor(ws.id), writes: opts.allowWrites === true },
        new KeyRateLimiter(rt.config.BETON_MCP_RATE_LIMIT),
      );
    }),
  );
}
