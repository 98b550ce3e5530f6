import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { IconCheck, IconCopy, IconKey, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type ResponseOf } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { formatDate, formatRelative } from '../../lib/format.js';
import { type Role, useSession } from '../../session.js';
import { McpCard, McpSnippet } from './McpSnippet.js';
import { NeedsRole, ROLE_HELP } from './Members.js';

type ApiKey = ResponseOf<'/api/v1/api-keys', 'get'>['apiKeys'][number];

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/** Create a key; the secret is displayed once, in this dialog, and never again. */
function CreateKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { me } = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const create = useMutation({
    mutationFn: () => api.post('/api/v1/api-keys', { body: { name: name.trim(), role } }),
    meta: { inlineError: true },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const close = onClose;
  // Clear the shown key only after the dialog has faded out, so it never flashes back to the form.
  const clear = () => {
    create.reset();
    setName('');
  };
  const roles = (Object.keys(RANK) as Role[])
    .filter((r) => RANK[r] <= RANK[me.role])
    .map((r) => ({ value: r, label: ROLE_HELP[r] }));

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={create.data ? 'Copy your new API key' : 'Create an API key'}
      onExitTransitionEnd={clear}
      closeOnClickOutside={!create.data}
      size="lg"
    >
      {create.data ? (
        <Stack>
          <Alert color="yellow" variant="light">
            This is the only time the key is shown. Copy it into your tool’s secret store now; if you lose it,
            revoke it and create another.
          </Alert>
          <Group gap="xs" wrap="nowrap" align="center">
            <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="new-api-key">
              {create.data.key}
            </Code>
            <CopyButton value={create.data.key}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? 'Copied' : 'Copy key'}>
                  <ActionIcon variant="light" size="lg" onClick={copy} aria-label="Copy key">
                    {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          </Group>
          <Text size="sm" c="dimmed">
            Use it as <Code>Authorization: Bearer {create.data.apiKey.prefix}…</Code> with the Beton API or
            CLI.
          </Text>
          <Text size="sm" fw={500}>
            For an AI assistant (MCP):
          </Text>
          <McpSnippet apiKey={create.data.key} />
          <Group justify="flex-end">
            <Button onClick={close}>I have copied it</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (name.trim()) create.mutate();
          }}
        >
          <Stack>
            {create.isError && (
              <Alert color="red" variant="light" role="alert">
                {errorMessage(create.error)}
              </Alert>
            )}
            <TextInput
              label="Name"
              description="Say where it is used, e.g. “CI export” or “Zapier”."
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              data-autofocus
            />
            <Select
              label="Role"
              description="What the key may do; never more than your own role."
              data={roles}
              value={role}
              allowDeselect={false}
              onChange={(v) => v && setRole(v as Role)}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function KeyRow({ apiKey }: { apiKey: ApiKey }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => api.delete('/api/v1/api-keys/{id}', { params: { id: apiKey.id } }),
    meta: { successMessage: `Key “${apiKey.name}” revoked` },
    onSuccess: () => setConfirming(false),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  return (
    <Table.Tr opacity={apiKey.revokedAt ? 0.6 : 1}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {apiKey.name}
        </Text>
        <Code>{apiKey.prefix}…</Code>
      </Table.Td>
      <Table.Td>{apiKey.role}</Table.Td>
      <Table.Td visibleFrom="sm">{formatDate(apiKey.createdAt)}</Table.Td>
      <Table.Td>{apiKey.lastUsedAt ? formatRelative(apiKey.lastUsedAt) : 'never used'}</Table.Td>
      <Table.Td>
        {apiKey.revokedAt ? (
          <Badge color="gray" variant="light">
            Revoked {formatDate(apiKey.revokedAt)}
          </Badge>
        ) : (
          <>
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`Revoke ${apiKey.name}`}
              onClick={() => setConfirming(true)}
            >
              <IconTrash size={16} />
            </ActionIcon>
            <ConfirmModal
              opened={confirming}
              title={`Revoke “${apiKey.name}”?`}
              confirmLabel="Revoke key"
              onConfirm={() => revoke.mutate()}
              onClose={() => setConfirming(false)}
              pending={revoke.isPending}
            >
              Anything still using this key gets 401 from now on. This cannot be undone.
            </ConfirmModal>
          </>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

export function ApiKeysPage() {
  const { can } = useSession();
  const [creating, setCreating] = useState(false);
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: () => api.get('/api/v1/api-keys'),
    enabled: can('admin'),
  });
  if (!can('admin')) return <NeedsRole needed="admin" what="manage API keys" />;

  const createButton = (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      Create API key
    </Button>
  );
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let tools and scripts call the Beton API as this workspace. Each is shown once, when created."
        actions={createButton}
      />
      <QueryState query={keys} loadingLabel="Loading API keys…">
        {({ apiKeys }) =>
          apiKeys.length === 0 ? (
            <Empty icon={<IconKey />} title="No API keys yet" action={createButton}>
              Create one for each tool that calls Beton, so you can revoke them one at a time.
            </Empty>
          ) : (
            <Card withBorder p={0}>
              <Table.ScrollContainer minWidth={560}>
                <Table verticalSpacing="sm">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Key</Table.Th>
                      <Table.Th>Role</Table.Th>
                      <Table.Th visibleFrom="sm">Created</Table.Th>
                      <Table.Th>Last used</Table.Th>
                      <Table.Th w={140}>
                        <VisuallyHidden>Status</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {apiKeys.map((k) => (
                      <KeyRow key={k.id} apiKey={k} />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          )
        }
      </QueryState>
      <McpCard />
      <CreateKeyModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
