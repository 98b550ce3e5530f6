import { Button, Card, Group, Progress, Select, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { integrationApi, integrationKeys, type SyncRun } from '../../api/integrations.js';
import { StatusBadge } from '../../components/badges.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import {
  durationBetween,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatRelative,
  triggerLabel,
} from '../../lib/format.js';
import { SyncNowMenu } from './SyncNowMenu.js';

const PAGE = 25;
const STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'canceled'] as const;
type Status = (typeof STATUSES)[number];

export const isActive = (run: Pick<SyncRun, 'status'>) => run.status === 'running' || run.status === 'queued';

/** Live numbers of a running run, shown above the history. */
export function RunProgress({ run }: { run: SyncRun }) {
  const streams = Object.entries(run.streams);
  const done = streams.filter(([, s]) => !['pending', 'running'].includes(s.status)).length;
  return (
    <Stack gap={4}>
      <Group justify="space-between" gap="xs">
        <Text size="sm">
          {run.status === 'queued'
            ? 'Waiting for a worker…'
            : run.currentStream
              ? `Reading ${run.currentStream}`
              : 'Starting…'}
        </Text>
        <Text size="sm" c="dimmed">
          {formatNumber(run.counts.read)} read · {formatNumber(run.counts.written)} written ·{' '}
          {formatNumber(run.recordsPerSecond)}/s
        </Text>
      </Group>
      <Progress
        value={streams.length ? Math.max(5, (done / streams.length) * 100) : 5}
        animated
        striped
        aria-label={`Streams done: ${done} of ${streams.length}`}
      />
      <Text size="xs" c="dimmed">
        {done} of {streams.length || '?'} streams done · started{' '}
        {formatRelative(run.startedAt ?? run.createdAt)}
      </Text>
    </Stack>
  );
}

function RunRow({ run, names }: { run: SyncRun; names: Record<string, string> }) {
  const navigate = useNavigate();
  const open = () => navigate(`/sync-runs/${run.id}`);
  return (
    <Table.Tr data-clickable onClick={open}>
      <Table.Td>
        <Text
          size="sm"
          fw={500}
          component={Link}
          to={`/sync-runs/${run.id}`}
          c="inherit"
          onClick={(e) => e.stopPropagation()}
        >
          {names[run.integration] ?? run.integration}
        </Text>
        <Text size="xs" c="dimmed">
          {triggerLabel(run.trigger)}
          {run.fullRefresh ? ' · full refresh' : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        <StatusBadge status={run.status} />
      </Table.Td>
      <Table.Td>
        <Tooltip label={formatDateTime(run.startedAt ?? run.createdAt)}>
          <Text size="sm">{formatRelative(run.startedAt ?? run.createdAt)}</Text>
        </Tooltip>
      </Table.Td>
      <Table.Td visibleFrom="sm">{formatDuration(durationBetween(run.startedAt, run.finishedAt))}</Table.Td>
      <Table.Td ta="right">{formatNumber(run.counts.read)}</Table.Td>
      <Table.Td ta="right">{formatNumber(run.counts.written)}</Table.Td>
      <Table.Td ta="right" visibleFrom="md">
        {formatNumber(run.counts.unchanged)}
      </Table.Td>
      <Table.Td ta="right">
        <Text size="sm" c={run.counts.rejected > 0 ? 'orange' : undefined}>
          {formatNumber(run.counts.rejected)}
        </Text>
      </Table.Td>
      <Table.Td maw={320}>
        {run.error ? (
          <Text size="xs" c="red" lineClamp={2}>
            {run.error.message}
          </Text>
        ) : run.warnings.length > 0 ? (
          <Text size="xs" c="yellow.8" lineClamp={2}>
            {run.warnings[0]!.message}
          </Text>
        ) : isActive(run) ? (
          <Text size="xs" c="dimmed">
            {run.currentStream ? `reading ${run.currentStream}` : 'starting'} ·{' '}
            {formatNumber(run.recordsPerSecond)}/s
          </Text>
        ) : null}
      </Table.Td>
    </Table.Tr>
  );
}

export function SyncRunsPage() {
  const [integration, setIntegration] = useState<string | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const integrations = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });
  const names = Object.fromEntries(
    (integrations.data?.integrations ?? []).map((i) => [i.name, i.displayName]),
  );
  const sources = (integrations.data?.integrations ?? []).filter((i) => i.streams.length > 0);

  const runs = useInfiniteQuery({
    queryKey: ['sync-runs', 'history', { integration, status }],
    queryFn: ({ pageParam }) =>
      api.get('/api/v1/sync-runs', {
        query: {
          limit: PAGE,
          ...(integration ? { integration } : {}),
          ...(status ? { status } : {}),
          ...(pageParam ? { before: pageParam } : {}),
        },
      }),
    initialPageParam: '' as string,
    getNextPageParam: (last) =>
      last.runs.length === PAGE ? last.runs[last.runs.length - 1]!.createdAt : undefined,
    // Poll while anything on screen is still running, so progress and results appear by themselves.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.runs.some(isActive)) ? 2000 : false),
  });
  const all = runs.data?.pages.flatMap((p) => p.runs) ?? [];
  const active = all.filter(isActive);

  return (
    <>
      <PageHeader
        title="Sync runs"
        description="Every time Beton read a source: what it read and wrote, how long it took, and what it rejected."
        actions={<SyncNowMenu />}
      />
      <Stack>
        {active.map((run) => (
          <Card key={run.id} withBorder>
            <Group justify="space-between" mb="xs">
              <Group gap="xs">
                <Text fw={600}>{names[run.integration] ?? run.integration}</Text>
                <StatusBadge status={run.status} />
              </Group>
              <Button component={Link} to={`/sync-runs/${run.id}`} size="xs" variant="subtle">
                Details
              </Button>
            </Group>
            <RunProgress run={run} />
          </Card>
        ))}
        <Group gap="sm">
          <Select
            aria-label="Filter by integration"
            placeholder="All integrations"
            data={sources.map((s) => ({ value: s.name, label: s.displayName }))}
            value={integration}
            onChange={setIntegration}
            clearable
            w={200}
          />
          <Select
            aria-label="Filter by status"
            placeholder="Any status"
            data={STATUSES.map((s) => ({ value: s, label: s }))}
            value={status}
            onChange={(v) => setStatus(v as Status | null)}
            clearable
            w={160}
          />
        </Group>
        {runs.isPending ? (
          <Loading label="Loading sync runs…" />
        ) : runs.isError ? (
          <ErrorAlert error={runs.error} onRetry={() => runs.refetch()} />
        ) : all.length === 0 ? (
          <Empty
            icon={<IconRefresh />}
            title={integration || status ? 'No runs match these filters' : 'No syncs yet'}
            action={integration || status ? undefined : <SyncNowMenu />}
          >
            {integration || status
              ? 'Clear the filters to see every run.'
              : 'Connect an integration, then start a sync here or wait for the hourly schedule.'}
          </Empty>
        ) : (
          <Card withBorder p={0}>
            <Table.ScrollContainer minWidth={760}>
              <Table highlightOnHover verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Source</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Started</Table.Th>
                    <Table.Th visibleFrom="sm">Duration</Table.Th>
                    <Table.Th ta="right">Read</Table.Th>
                    <Table.Th ta="right">Written</Table.Th>
                    <Table.Th ta="right" visibleFrom="md">
                      Unchanged
                    </Table.Th>
                    <Table.Th ta="right">Rejected</Table.Th>
                    <Table.Th>Notes</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {all.map((run) => (
                    <RunRow key={run.id} run={run} names={names} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        )}
        {runs.hasNextPage && (
          <Group justify="center">
            <Button variant="default" onClick={() => runs.fetchNextPage()} loading={runs.isFetchingNextPage}>
              Load older runs
            </Button>
          </Group>
        )}
      </Stack>
    </>
  );
}
