import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { sql } from 'kysely';
import { nodeArgsFor } from '../support/bundle.js';
import { postgresUrl, type TestRuntime } from '../support/index.js';

/** The official SDK client over Streamable HTTP at the test server's `/mcp`, with an API key. */
export async function httpClient(t: Pick<TestRuntime, 'baseUrl'>, key: string): Promise<Client> {
  const client = new Client({ name: 'beton-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${t.baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

/**
 * The official SDK client over stdio, spawning `beton mcp` on the test runtime's database (its
 * data dir for the keyring and SQLite file; its Postgres schema through `search_path`).
 */
export async function stdioClient(
  t: Pick<TestRuntime, 'rt' | 'config'>,
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ client: Client; stderr: () => string }> {
  const cli = await nodeArgsFor('src/cli/main.ts');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    BETON_DATA_DIR: t.config.BETON_DATA_DIR,
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    ...extraEnv,
  };
  const pg = postgresUrl();
  if (pg) {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(t.rt.db.kysely);
    const schema = rows[0]!.schema;
    env.DATABASE_URL = `${pg}${pg.includes('?') ? '&' : '?'}options=-c%20search_path%3D${schema}`;
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...cli, 'mcp', ...args],
    env,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const client = new Client({ name: 'beton-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

/** Call a tool; the answer typed as a tool result. */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  return (await client.callTool({ name, arguments: args })) as CallToolResult & {
    // biome-ignore lint/suspicious/noExplicitAny: structured answers are read loosely in tests
    structuredContent?: any;
  };
}

export const textOf = (r: CallToolResult) =>
  r.content
    .filter((c) => c.type === 'text')
    .map((c) => (c as { text: string }).text)
    .join('\n');

export const READ_TOOLS = [
  'search_accounts',
  'list_segments',
  'get_account',
  'list_signal_occurrences',
  'top_movers',
  'list_signals',
  'preview_push_plan',
];
export const WRITE_TOOLS = [
  'snooze_signal',
  'unsnooze_signal',
  'set_signal_enabled',
  'start_sync',
  'apply_push',
];
