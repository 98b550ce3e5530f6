import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  SimpleGrid,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconDots,
  IconPlugConnected,
  IconPlugConnectedX,
  IconRefresh,
  IconSettings,
  IconStethoscope,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { type IntegrationSummary, integrationApi, integrationKeys } from '../../api/integrations.js';
import { StatusBadge } from '../../components/badges.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { formatNumber, formatRelative, humanize } from '../../lib/format.js';
import { useSession } from '../../session.js';
import { ConfigureModal } from './ConfigureModal.js';
import { IngestPanel } from './IngestPanel.js';

/** What each role means for the person connecting it. */
const ROLE_TEXT: Record<string, string> = {
  source: 'syncs data into Beton',
  destination: 'receives scores from Beton',
  enrichment: 'enriches accounts',
  messaging: 'posts alerts and digests, takes feedback',
};

function LastSync({ name }: { name: string }) {
  const runs = useQuery({
    queryKey: ['sync-runs', { integration: name, limit: 1 }],
    queryFn: () => api.get('/api/v1/sync-runs', { query: { integration: name, limit: 1 } }),
    refetchInterval: (q) =>
      q.state.data?.runs[0]?.status === 'running' || q.state.data?.runs[0]?.status === 'queued'
        ? 2000
        : false,
  });
  const run = runs.data?.runs[0];
  if (!run) return <Text size="sm">{runs.isPending ? '…' : 'Never synced'}</Text>;
  return (
    <Group gap={6} wrap="nowrap">
      <StatusBadge status={run.status} size="xs" />
      <Text size="sm" component={Link} to={`/sync-runs/${run.id}`} td="underline" c="inherit">
        {run.finishedAt
          ? formatRelative(run.finishedAt)
          : `started ${formatRelative(run.startedAt ?? run.createdAt)}`}
      </Text>
      <Text size="xs" c="dimmed">
        {formatNumber(run.counts.written)} written
      </Text>
    </Group>
  );
}

function IntegrationCard({
  integration,
  onConfigure,
}: {
  integration: IntegrationSummary;
  onConfigure: () => void;
}) {
  const { can } = useSession();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const connection = integration.connection;
  const refresh = () => queryClient.invalidateQueries({ queryKey: integrationKeys.all });

  const test = useMutation({
    mutationFn: () => integrationApi.test(integration.name),
    meta: { successMessage: `${integration.displayName}: the key works` },
    onSettled: refresh,
  });
  const sync = useMutation({
    mutationFn: () => integrationApi.sync(integration.name),
    onSuccess: ({ runId }) => {
      queryClient.invalidateQueries({ queryKey: ['sync-runs'] });
      navigate(`/sync-runs/${runId}`);
    },
  });
  const disconnect = useMutation({
    mutationFn: () => integrationApi.disconnect(integration.name),
    meta: { successMessage: `${integration.displayName} disconnected; its stored key was erased` },
    onSuccess: () => setConfirming(false),
    onSettled: refresh,
  });
  const hasStreams = integration.streams.length > 0;
  // Senders push to it: no sync to run; the card shows the endpoint, keys and counts instead.
  // (`ingest` is in the answer from this version on; older generated types do not list it yet.)
  const pushed = (integration as { ingest?: boolean }).ingest === true;

  return (
    <Card withBorder padding="lg" data-testid={`integration-${integration.name}`}>
      <Stack gap="sm" h="100%">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Text fw={650} size="lg">
              {integration.displayName}
            </Text>
            <Group gap={4}>
              <Badge variant="outline" color="gray" size="xs">
                {humanize(integration.category)}
              </Badge>
              <Text size="xs" c="dimmed">
                {integration.roles.map((r) => ROLE_TEXT[r] ?? r).join(' · ')}
              </Text>
            </Group>
          </Stack>
          <StatusBadge status={integration.status} />
        </Group>
        <Text size="sm" c="dimmed" lineClamp={2}>
          {integration.description}
        </Text>
        <Stack gap={4}>
          {connection && (
            <Group gap={6} wrap="nowrap">
              <Text size="sm" c="dimmed" w={90}>
                Account
              </Text>
              <Text size="sm" truncate>
                {connection.accountLabel ?? '—'}
              </Text>
            </Group>
          )}
          {connection && (
            <Group gap={6} wrap="nowrap">
              <Text size="sm" c="dimmed" w={90}>
                Health
              </Text>
              {connection.health ? (
                <Tooltip label={connection.health.message ?? ''} disabled={!connection.health.message}>
                  <span>
                    <StatusBadge
                      status={
                        connection.health.status === 'ok'
                          ? 'healthy'
                          : connection.health.status === 'down'
                            ? 'unhealthy'
                            : 'degraded'
                      }
                      size="xs"
                    />
                  </span>
                </Tooltip>
              ) : (
                <Text size="sm">
                  {connection.lastValidatedAt
                    ? `Key checked ${formatRelative(connection.lastValidatedAt)}`
                    : 'Not checked yet'}
                </Text>
              )}
              {connection.health && connection.lastValidatedAt && (
                <Text size="xs" c="dimmed">
                  checked {formatRelative(connection.lastValidatedAt)}
                </Text>
              )}
            </Group>
          )}
          {connection && hasStreams && !pushed && (
            <Group gap={6} wrap="nowrap">
              <Text size="sm" c="dimmed" w={90}>
                Last sync
              </Text>
              <LastSync name={integration.name} />
            </Group>
          )}
          {connection && pushed && <IngestPanel name={integration.name} />}
          {connection?.lastError && (
            <Group gap={6} wrap="nowrap" align="flex-start">
              <IconAlertTriangle
                size={16}
                color="var(--mantine-color-red-6)"
                style={{ flexShrink: 0, marginTop: 2 }}
              />
              <Text size="sm" c="red">
                {connection.lastError}
              </Text>
            </Group>
          )}
        </Stack>
        <Group mt="auto" pt="xs" gap="xs" justify="space-between">
          <Group gap="xs">
            {can('admin') && (
              <Button
                size="xs"
                variant={connection ? 'default' : 'filled'}
                leftSection={connection ? <IconSettings size={14} /> : <IconPlugConnected size={14} />}
                onClick={onConfigure}
              >
                {connection ? 'Configure' : 'Connect'}
              </Button>
            )}
            {connection && hasStreams && !pushed && can('member') && (
              <Button
                size="xs"
                variant="light"
                leftSection={<IconRefresh size={14} />}
                loading={sync.isPending}
                onClick={() => sync.mutate()}
              >
                Sync now
              </Button>
            )}
          </Group>
          {connection && can('member') && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  aria-label={`More actions for ${integration.displayName}`}
                >
                  <IconDots size={18} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item
                  leftSection={<IconStethoscope size={14} />}
                  onClick={() => test.mutate()}
                  disabled={test.isPending}
                >
                  Test connection
                </Menu.Item>
                {can('admin') && (
                  <Menu.Item
                    color="red"
                    leftSection={<IconPlugConnectedX size={14} />}
                    onClick={() => setConfirming(true)}
                  >
                    Disconnect
                  </Menu.Item>
                )}
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Stack>
      <ConfirmModal
        opened={confirming}
        title={`Disconnect ${integration.displayName}?`}
        confirmLabel="Disconnect"
        onConfirm={() => disconnect.mutate()}
        onClose={() => setConfirming(false)}
        pending={disconnect.isPending}
      >
        The stored key is erased and scheduled syncs stop. Records already synced stay until you reconnect and
        sync again.
      </ConfirmModal>
    </Card>
  );
}

export function IntegrationsPage() {
  const { can } = useSession();
  const [configuring, setConfiguring] = useState<string | null>(null);
  const list = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });

  return (
    <>
      <PageHeader
        title="Integrations"
        description={
          can('admin')
            ? 'Connect the tools you already use. Keys are checked live before they are stored, and stored encrypted.'
            : 'The tools this workspace is connected to. Ask an admin to connect or reconfigure one.'
        }
      />
      <QueryState query={list} loadingLabel="Loading integrations…">
        {({ integrations }) =>
          integrations.length === 0 ? (
            <Empty icon={<IconPlugConnected />} title="No integrations are registered">
              This Beton build ships no integrations. Add one with{' '}
              <code>beton integration new &lt;name&gt;</code>.
            </Empty>
          ) : (
            <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md">
              {integrations.map((integration) => (
                <IntegrationCard
                  key={integration.name}
                  integration={integration}
                  onConfigure={() => setConfiguring(integration.name)}
                />
              ))}
            </SimpleGrid>
          )
        }
      </QueryState>
      {configuring && (
        <ConfigureModal
          name={configuring}
          opened={configuring !== null}
          onClose={() => setConfiguring(null)}
        />
      )}
    </>
  );
}
