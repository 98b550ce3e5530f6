import {
  Alert,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Group,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { isPushActive, type PushRun } from '../../api/push.js';
import { StatusBadge } from '../../components/badges.js';
import { DiffTable } from '../../components/DiffTable.js';
import { PageHeader } from '../../components/PageHeader.js';
import { ErrorAlert, Loading } from '../../components/QueryState.js';
import {
  durationBetween,
  formatDateTime,
  formatDuration,
  formatNumber,
  triggerLabel,
} from '../../lib/format.js';
import { RollbackButton } from './HistoryPanel.js';

const PAGE = 100;

function Counts({ run }: { run: PushRun }) {
  const c = run.counts;
  const stats: [string, number][] = [
    ['Created', c.created],
    ['Updated', c.updated],
    ['Unchanged', c.unchanged],
    ['Rejected', c.rejected],
    ['Skipped', c.skipped],
    ['Write calls', c.writes],
  ];
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
      {stats.map(([label, value]) => (
        <Card key={label} withBorder padding="sm">
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {label}
          </Text>
          <Text size="xl" fw={650}>
            {formatNumber(value)}
          </Text>
        </Card>
      ))}
    </SimpleGrid>
  );
}

/** One push or rollback run: its counts and what it did to each record (before → after). */
export function PushRunPage() {
  const { id = '' } = useParams();
  const query = useInfiniteQuery({
    queryKey: ['push-runs', id, 'items'],
    queryFn: ({ pageParam }) =>
      api.get('/api/v1/push-runs/{id}', {
        params: { id },
        query: { limit: PAGE, ...(pageParam ? { after: pageParam } : {}) },
      }),
    initialPageParam: 0,
    getNextPageParam: (last) =>
      last.items.length === PAGE ? last.items[last.items.length - 1]!.id : undefined,
    refetchInterval: (q) => (q.state.data && isPushActive(q.state.data.pages[0]!.run) ? 1000 : false),
  });
  const integrations = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });
  if (query.isPending) return <Loading label="Loading the push run…" />;
  if (query.isError) return <ErrorAlert error={query.error} onRetry={() => query.refetch()} />;
  const run = query.data.pages[query.data.pages.length - 1]!.run;
  const items = query.data.pages.flatMap((p) => p.items);
  const destination =
    integrations.data?.integrations.find((i) => i.name === run.destination)?.displayName ?? run.destination;

  return (
    <>
      <Breadcrumbs mb="xs">
        <Anchor component={Link} to="/push?tab=history" size="sm">
          CRM push
        </Anchor>
        <Text size="sm">{run.kind === 'rollback' ? 'Rollback' : 'Push'}</Text>
      </Breadcrumbs>
      <PageHeader
        title={
          <Group gap="sm">
            <span>
              {run.kind === 'rollback' ? 'Rollback in' : 'Push to'} {destination}
            </span>
            <StatusBadge status={run.status} size="md" />
            {run.rolledBackBy && (
              <Badge color="grape" variant="outline">
                rolled back
              </Badge>
            )}
          </Group>
        }
        description={`Started ${formatDateTime(run.startedAt)} (${triggerLabel(run.trigger)})${run.finishedAt ? ` · took ${formatDuration(durationBetween(run.startedAt, run.finishedAt))}` : ''}`}
        actions={<RollbackButton run={run} size="sm" />}
      />
      <Stack>
        {run.error && (
          <Alert color="red" variant="light" role="alert" title="The run did not finish cleanly">
            {run.error}
          </Alert>
        )}
        {run.rollbackOf && (
          <Alert color="grape" variant="light" role="note">
            This run undid{' '}
            <Anchor component={Link} to={`/push/runs/${run.rollbackOf}`}>
              an earlier push
            </Anchor>
            .
          </Alert>
        )}
        {run.rolledBackBy && (
          <Alert color="grape" variant="light" role="note">
            <Anchor component={Link} to={`/push/runs/${run.rolledBackBy}`}>
              A rollback
            </Anchor>{' '}
            undid this push.
          </Alert>
        )}
        <Counts run={run} />
        <Card withBorder p={0}>
          <DiffTable
            empty={
              isPushActive(run)
                ? 'Nothing written yet…'
                : 'This run wrote nothing: every value was already in place.'
            }
            rows={items.map((item) => ({
              key: String(item.id),
              title: item.key,
              ...(item.accountId ? { href: `/accounts/${item.accountId}` } : {}),
              action: item.status,
              subtitle: item.action,
              reason: item.reason,
              changes: item.changes,
            }))}
          />
        </Card>
        {query.hasNextPage && (
          <Group justify="center">
            <Button
              variant="default"
              onClick={() => query.fetchNextPage()}
              loading={query.isFetchingNextPage}
            >
              Load more
            </Button>
          </Group>
        )}
      </Stack>
    </>
  );
}
