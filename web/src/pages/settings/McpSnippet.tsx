import { ActionIcon, Card, Code, CopyButton, Group, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/** The server's MCP endpoint as this browser reaches it (the API and the app share an origin). */
export const mcpUrl = () => `${window.location.origin}/mcp`;

/** An `mcpServers` block for Claude, Claude Code or Cursor pointing at this server with a key. */
export function mcpConfig(key: string): string {
  return JSON.stringify(
    { mcpServers: { beton: { url: mcpUrl(), headers: { Authorization: `Bearer ${key}` } } } },
    null,
    2,
  );
}

function Copy({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : label}>
          <ActionIcon variant="subtle" onClick={copy} aria-label={label}>
            {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

/**
 * How to ask Beton from an AI assistant: the MCP URL and a client configuration. With `apiKey` (just
 * created, shown once) the snippet carries it; otherwise a placeholder to replace.
 */
export function McpSnippet({ apiKey }: { apiKey?: string }) {
  const config = mcpConfig(apiKey ?? 'beton_…');
  return (
    <Stack gap="xs">
      <Group gap="xs" wrap="nowrap">
        <Text size="sm">MCP endpoint:</Text>
        <Code data-testid="mcp-url">{mcpUrl()}</Code>
        <Copy value={mcpUrl()} label="Copy MCP URL" />
      </Group>
      <Group gap="xs" align="flex-start" wrap="nowrap">
        <Code block style={{ flex: 1 }} data-testid="mcp-config">
          {config}
        </Code>
        <Copy value={config} label="Copy MCP configuration" />
      </Group>
    </Stack>
  );
}

/** The settings card: what MCP gives, the endpoint and the snippet, and where the details are. */
export function McpCard() {
  return (
    <Card withBorder mt="lg">
      <Stack gap="sm">
        <Title order={4}>Ask Beton from an AI assistant</Title>
        <Text size="sm" c="dimmed">
          Claude, Claude Code and Cursor can search accounts, explain scores, list signals and their backtest
          over the Model Context Protocol, with an API key: the key’s role and workspace apply, and every call
          is in the audit log. Put this in the client’s MCP settings with a key from this page. Writes (start
          a sync, apply a push) stay off unless the server runs with <Code>BETON_MCP_WRITES=true</Code>.
        </Text>
        <McpSnippet />
        <Text size="sm" c="dimmed">
          On the server itself, <Code>npx beton mcp --workspace …</Code> serves the same tools over stdio;
          <Code>docs/mcp.md</Code> has the configuration for each client and the tool list.
        </Text>
      </Stack>
    </Card>
  );
}
