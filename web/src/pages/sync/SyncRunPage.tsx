import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Card,
  Code,
  Group,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconPlayerStop } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { integrationApi, integrationKeys, type SyncRun } from '../../api/integrations.js';
import { StatusBadge } from '../../components/badges.js';
import { PageHeader } from '../../components/PageHeader.js';
import { ErrorAlert, Loading, QueryState } from '../../components/QueryState.js';
import {
  durationBetween,
  formatDateTime,
  formatDuration,
  formatNumber,
  triggerLabel,
} from '../../lib/format.js';
import { useSession } from '../../session.js';
import { isActive, RunProgress } from './SyncRunsPage.js';

const REJECTS_PAGE = 50;

function Stat({ label, value, color }: { label: string; value: string; color?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={650} c={color}>
        {value}
      </Text>
    </Card>
  );
}

function Rejects({ run }: { run: SyncRun }) {
  const rejects = useInfiniteQuery({
    queryKey: ['sync-runs', run.id, 'rejects'],
    queryFn: ({ pageParam }) =>
      api.get('/api/v1/sync-runs/{id}/rejects', {
        params: { id: run.id },
        query: { limit: REJECTS_PAGE, ...(pageParam ? { after: pageParam } : {}) },
      }),
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.rejects.length === REJECTS_PAGE ? last.rejects[last.rejects.length - 1]!.id : undefined,
    enabled: run.counts.rejected > 0,
  });
  if (run.counts.rejected === 0) {
    return (
      <Group gap="xs">
        <IconCircleCheck size={18} color="var(--mantine-color-teal-6)" />
        <Text size="sm">No records were rejected{isActive(run) ? ' so far' : ''}.</Text>
      </Group>
    );
  }
  if (rejects.isPending) return <Loading label="Loading rejected records…" />;
  if (rejects.isError) return <ErrorAlert error={rejects.error} onRetry={() => rejects.refetch()} />;
  const rows = rejects.data.pages.flatMap((p) => p.rejects);
  return (
    <Stack gap="sm">
      <Text size="sm" c="dimmed">
        Each was skipped with the reason below while the run went on. Fix the cause in the source; the next
        sync reads them again.
      </Text>
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Stream</Table.Th>
              <Table.Th>Record</Table.Th>
              <Table.Th>Reason</Table.Th>
              <Table.Th visibleFrom="md">Excerpt</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.stream}</Table.Td>
                <Table.Td>
                  <Code>{r.externalId ?? '—'}</Code>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.reason}</Text>
                </Table.Td>
                <Table.Td visibleFrom="md" maw={320}>
                  <Text size="xs" c="dimmed" ff="monospace" lineClamp={2}>
                    {r.payloadExcerpt ?? ''}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rejects.hasNextPage && (
        <Button
          variant="default"
          onClick={() => rejects.fetchNextPage()}
          loading={rejects.isFetchingNextPage}
        >
          Load more
        </Button>
      )}
    </Stack>
  );
}

function RunDetail({ run }: { run: SyncRun }) {
  const { can } = useSession();
  const integrations = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });
  const name =
    integrations.data?.integrations.find((i) => i.name === run.integration)?.displayName ?? run.integration;
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => api.post('/api/v1/sync-runs/{id}/cancel', { params: { id: run.id } }),
    meta: { successMessage: 'Cancel requested: the run stops after its current page' },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sync-runs'] }),
  });
  const streams = Object.entries(run.streams);
  return (
    <>
      <Breadcrumbs mb="xs">
        <Anchor component={Link} to="/sync-runs" size="sm">
          Sync runs
        </Anchor>
        <Text size="sm">{name}</Text>
      </Breadcrumbs>
      <PageHeader
        title={
          <Group gap="sm">
            <span>{name} sync</span>
            <StatusBadge status={run.status} size="md" />
          </Group>
        }
        description={`Started ${formatDateTime(run.startedAt ?? run.createdAt)} (${triggerLabel(run.trigger)})${run.fullRefresh ? ', full refresh' : ''}${run.finishedAt ? ` · took ${formatDuration(durationBetween(run.startedAt, run.finishedAt))}` : ''}`}
        actions={
          isActive(run) &&
          can('member') && (
            <Button
              color="red"
              variant="light"
              leftSection={<IconPlayerStop size={16} />}
              onClick={() => cancel.mutate()}
              loading={cancel.isPending}
              disabled={run.cancelRequestedAt !== null}
            >
              {run.cancelRequestedAt ? 'Cancelling…' : 'Cancel run'}
            </Button>
          )
        }
      />
      <Stack>
        {run.error && (
          <Alert
            color="red"
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            title="The run failed"
            role="alert"
          >
            {run.error.message}
          </Alert>
        )}
        {run.warnings.map((w) => (
          <Alert
            key={`${w.stream}-${w.kind}`}
            color="yellow"
            variant="light"
            title={`Warning on ${w.stream}`}
          >
            {w.message} (Beton holds {formatNumber(w.local)}, the source reports {formatNumber(w.upstream)}.)
          </Alert>
        ))}
        {isActive(run) && (
          <Card withBorder>
            <RunProgress run={run} />
          </Card>
        )}
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
          <Stat label="Read" value={formatNumber(run.counts.read)} />
          <Stat label="Written" value={formatNumber(run.counts.written)} />
          <Stat label="Unchanged" value={formatNumber(run.counts.unchanged)} />
          <Stat label="Deleted" value={formatNumber(run.counts.deleted)} />
          <Stat
            label="Rejected"
            value={formatNumber(run.counts.rejected)}
            color={run.counts.rejected ? 'orange' : undefined}
          />
          <Stat label="Rate" value={`${formatNumber(run.recordsPerSecond)}/s`} />
        </SimpleGrid>
        <Card withBorder p={0}>
          <Title order={2} size="h5" p="md" pb={0}>
            Streams
          </Title>
          <Table.ScrollContainer minWidth={640}>
            <Table verticalSpacing="xs" mt="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Stream</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Pages</Table.Th>
                  <Table.Th ta="right">Read</Table.Th>
                  <Table.Th ta="right">Written</Table.Th>
                  <Table.Th ta="right">Unchanged</Table.Th>
                  <Table.Th ta="right">Rejected</Table.Th>
                  <Table.Th>Duration</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {streams.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={8}>
                      <Text size="sm" c="dimmed">
                        No stream has started yet.
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                )}
                {streams.map(([name, s]) => (
                  <Table.Tr key={name}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {name}
                      </Text>
                      {s.full && (
                        <Text size="xs" c="dimmed">
                          full refresh
                        </Text>
                      )}
                      {s.error && (
                        <Text size="xs" c="red">
                          {s.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={s.status} size="xs" />
                    </Table.Td>
                    <Table.Td ta="right">{formatNumber(s.pages)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(s.read)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(s.written)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(s.unchanged)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(s.rejected)}</Table.Td>
                    <Table.Td>{formatDuration(durationBetween(s.startedAt, s.finishedAt))}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
        <Card withBorder>
          <Title order={2} size="h5" mb="sm">
            Rejected records
          </Title>
          <Rejects run={run} />
        </Card>
      </Stack>
    </>
  );
}

export function SyncRunPage() {
  const { id = '' } = useParams();
  const run = useQuery({
    queryKey: ['sync-runs', id],
    queryFn: () => api.get('/api/v1/sync-runs/{id}', { params: { id } }),
    refetchInterval: (q) => (q.state.data && isActive(q.state.data.run) ? 1500 : false),
  });
  return (
    <QueryState query={run} loadingLabel="Loading the run…">
      {({ run: r }) => <RunDetail run={r} />}
    </QueryState>
  );
}
