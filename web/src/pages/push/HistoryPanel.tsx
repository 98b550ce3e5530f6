import { Badge, Button, Card, Group, Table, Text, Tooltip } from '@mantine/core';
import { IconArrowBackUp, IconHistory } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { isPushActive, type PushRun, pushKeys } from '../../api/push.js';
import { StatusBadge } from '../../components/badges.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import {
  durationBetween,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatRelative,
  triggerLabel,
} from '../../lib/format.js';
import { useSession } from '../../session.js';

const PAGE = 25;

/** A push run can be rolled back once, when it finished and wrote something. */
export const canRollBack = (run: PushRun) =>
  run.kind === 'push' &&
  !run.rolledBackBy &&
  (run.status === 'succeeded' || run.status === 'partial') &&
  run.counts.created + run.counts.updated > 0;

export function RollbackButton({ run, size = 'xs' }: { run: PushRun; size?: 'xs' | 'sm' }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const rollback = useMutation({
    mutationFn: () => api.post('/api/v1/push-runs/{id}/rollback', { params: { id: run.id } }),
    meta: { successMessage: 'Rollback started' },
    onSuccess: ({ run: started }) => {
      setConfirming(false);
      queryClient.invalidateQueries({ queryKey: pushKeys.runs });
      navigate(`/push/runs/${started.id}`);
    },
  });
  if (!can('admin') || !canRollBack(run)) return null;
  return (
    <>
      <Button
        size={size}
        variant="subtle"
        color="grape"
        leftSection={<IconArrowBackUp size={14} />}
        onClick={(e) => {
          e.stopPropagation();
          setConfirming(true);
        }}
      >
        Roll back
      </Button>
      <ConfirmModal
        opened={confirming}
        title="Roll back this push?"
        confirmLabel="Roll back"
        color="grape"
        onConfirm={() => rollback.mutate()}
        onClose={() => setConfirming(false)}
        pending={rollback.isPending}
      >
        Every field this run wrote returns to the value it had before — unless it changed since, in which case
        it is left alone.
      </ConfirmModal>
    </>
  );
}

export function HistoryPanel({ destination }: { destination: string }) {
  const navigate = useNavigate();
  const runs = useInfiniteQuery({
    queryKey: [...pushKeys.runs, 'history', destination],
    queryFn: ({ pageParam }) =>
      api.get('/api/v1/push-runs', {
        query: { destination, limit: PAGE, ...(pageParam ? { before: pageParam } : {}) },
      }),
    initialPageParam: '',
    getNextPageParam: (last) =>
      last.runs.length === PAGE ? last.runs[last.runs.length - 1]!.startedAt : undefined,
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.runs.some(isPushActive)) ? 1500 : false),
  });
  if (runs.isPending) return <Loading label="Loading push history…" />;
  if (runs.isError) return <ErrorAlert error={runs.error} onRetry={() => runs.refetch()} />;
  const all = runs.data.pages.flatMap((p) => p.runs);
  if (all.length === 0) {
    return (
      <Empty icon={<IconHistory />} title="Nothing pushed yet">
        Run a dry run on the “Plan and apply” tab, check the diff, then apply it. Each push appears here with
        what it wrote, and can be rolled back.
      </Empty>
    );
  }
  return (
    <>
      <Card withBorder p={0}>
        <Table.ScrollContainer minWidth={760}>
          <Table highlightOnHover verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Run</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Started</Table.Th>
                <Table.Th>Duration</Table.Th>
                <Table.Th ta="right">Created</Table.Th>
                <Table.Th ta="right">Updated</Table.Th>
                <Table.Th ta="right">Unchanged</Table.Th>
                <Table.Th ta="right">Rejected</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {all.map((run) => (
                <Table.Tr key={run.id} data-clickable onClick={() => navigate(`/push/runs/${run.id}`)}>
                  <Table.Td>
                    <Text
                      size="sm"
                      fw={500}
                      component={Link}
                      to={`/push/runs/${run.id}`}
                      c="inherit"
                      onClick={(e) => e.stopPropagation()}
                    >
                      {run.kind === 'rollback' ? 'Rollback' : 'Push'}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {triggerLabel(run.trigger)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <StatusBadge status={run.status} />
                      {run.rolledBackBy && (
                        <Badge size="xs" color="grape" variant="outline">
                          rolled back
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={formatDateTime(run.startedAt)}>
                      <Text size="sm">{formatRelative(run.startedAt)}</Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>{formatDuration(durationBetween(run.startedAt, run.finishedAt))}</Table.Td>
                  <Table.Td ta="right">{formatNumber(run.counts.created)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(run.counts.updated)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(run.counts.unchanged)}</Table.Td>
                  <Table.Td ta="right">
                    <Text size="sm" c={run.counts.rejected ? 'red' : undefined}>
                      {formatNumber(run.counts.rejected)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <RollbackButton run={run} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {runs.hasNextPage && (
        <Group justify="center" mt="md">
          <Button variant="default" onClick={() => runs.fetchNextPage()} loading={runs.isFetchingNextPage}>
            Load older runs
          </Button>
        </Group>
      )}
    </>
  );
}
