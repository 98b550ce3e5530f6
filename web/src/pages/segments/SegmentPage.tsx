import { AreaChart } from '@mantine/charts';
import { Anchor, Button, Card, Group, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { IconDownload, IconList, IconTrash, IconUsersGroup } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../../api/client.js';
import { describeFilter, paramsFromFilter } from '../../api/segments.js';
import { GradeBadge, ScoreCell } from '../../components/badges.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import { formatDate, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';
import { SyncListButton } from './SyncListButton.js';

const WEEK_MS = 7 * 86_400_000;

/** One segment: its trend, its members (all, or new this week), export and delete. */
export function SegmentPage() {
  const { id = '' } = useParams();
  const { can } = useSession();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [show, setShow] = useState<'all' | 'new'>('all');
  const [confirm, setConfirm] = useState(false);
  // A week back from when the page opened: stable across renders, so the query key is too.
  const [since] = useState(() => new Date(Date.now() - WEEK_MS).toISOString());
  const history = useQuery({
    queryKey: ['segments', id, 'history', 30],
    queryFn: () => api.get('/api/v1/segments/{id}/history', { params: { id }, query: { days: 30 } }),
  });
  const members = useQuery({
    queryKey: ['segments', id, 'accounts', show],
    queryFn: () =>
      api.get('/api/v1/segments/{id}/accounts', {
        params: { id },
        query: { limit: 200, ...(show === 'new' ? { since } : {}) },
      }),
  });
  const remove = useMutation({
    mutationFn: () => api.delete('/api/v1/segments/{id}', { params: { id } }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['segments'] });
      navigate('/segments');
    },
  });

  if (history.isPending) return <Loading label="Loading segment…" />;
  if (history.isError) return <ErrorAlert error={history.error} onRetry={() => history.refetch()} />;
  const { segment, days, events } = history.data;
  return (
    <>
      <PageHeader
        title={segment.name}
        description={
          <>
            {segment.description ? `${segment.description} — ` : ''}
            {describeFilter(segment.filter)}. {segment.memberCount.toLocaleString()} members, evaluated{' '}
            {segment.evaluatedAt ? formatRelative(segment.evaluatedAt) : 'not yet'}.
          </>
        }
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconList size={16} />}
              component={Link}
              to={`/accounts?${paramsFromFilter(segment.filter).toString()}`}
            >
              Open in accounts
            </Button>
            <Button
              variant="default"
              leftSection={<IconDownload size={16} />}
              component="a"
              href={`/api/v1/segments/${encodeURIComponent(segment.id)}/export?format=csv&columns=name,domain,grade,score,health,expansion,churnRisk,fit,plan,billingStatus,topSignals,enteredAt`}
              download
            >
              Export CSV
            </Button>
            <SyncListButton segment={segment} />
            {can('member') && (
              <Button
                color="red"
                variant="light"
                leftSection={<IconTrash size={16} />}
                onClick={() => setConfirm(true)}
              >
                Delete
              </Button>
            )}
          </>
        }
      />
      <Stack>
        <Card withBorder>
          <Title order={2} size="h5" mb="sm">
            Members over 30 days
          </Title>
          <AreaChart
            h={180}
            data={days.map((d) => ({ ...d, day: formatDate(d.day) }))}
            dataKey="day"
            series={[{ name: 'members', label: 'Members', color: 'indigo.6' }]}
            curveType="step"
            withDots={false}
          />
          {events.length > 0 && (
            <Text size="xs" c="dimmed" mt="xs">
              Latest:{' '}
              {events
                .slice(0, 5)
                .map((e) => `${e.name} ${e.kind} ${formatRelative(e.at)}`)
                .join(' · ')}
            </Text>
          )}
        </Card>
        <Group justify="space-between">
          <SegmentedControl
            aria-label="Which members"
            value={show}
            onChange={(v) => setShow(v as 'all' | 'new')}
            data={[
              { value: 'all', label: 'All members' },
              { value: 'new', label: 'New this week' },
            ]}
          />
        </Group>
        {members.isPending ? (
          <Loading label="Loading members…" />
        ) : members.isError ? (
          <ErrorAlert error={members.error} onRetry={() => members.refetch()} />
        ) : members.data.items.length === 0 ? (
          <Empty icon={<IconUsersGroup />} title={show === 'new' ? 'No new members this week' : 'No members'}>
            {show === 'new'
              ? 'No account entered this segment in the last seven days.'
              : 'No account matches this filter at the last evaluation; a score run re-evaluates it.'}
          </Empty>
        ) : (
          <Card withBorder p={0}>
            <Table highlightOnHover verticalSpacing="xs" aria-label="Members">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Account</Table.Th>
                  <Table.Th>Grade</Table.Th>
                  <Table.Th>Health</Table.Th>
                  <Table.Th>Expansion</Table.Th>
                  <Table.Th>Churn risk</Table.Th>
                  <Table.Th>Fit</Table.Th>
                  <Table.Th>Entered</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {members.data.items.map((m) => (
                  <Table.Tr key={m.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/accounts/${m.id}`} fw={600} size="sm" c="inherit">
                        {m.name}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {m.domain}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <GradeBadge grade={m.grade} />
                    </Table.Td>
                    <Table.Td>
                      <ScoreCell label="Health" value={m.health} />
                    </Table.Td>
                    <Table.Td>
                      <ScoreCell label="Expansion" value={m.expansion} />
                    </Table.Td>
                    <Table.Td>
                      <ScoreCell label="Churn risk" value={m.churnRisk} inverse />
                    </Table.Td>
                    <Table.Td>
                      <ScoreCell label="Fit" value={m.fit} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatRelative(m.enteredAt)}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        )}
      </Stack>
      <ConfirmModal
        opened={confirm}
        onClose={() => setConfirm(false)}
        title={`Delete “${segment.name}”?`}
        confirmLabel="Delete segment"
        onConfirm={() => remove.mutate()}
        pending={remove.isPending}
      >
        The segment and its membership history are deleted for everyone in the workspace. The accounts are not
        touched.
      </ConfirmModal>
      {remove.isError && <ErrorAlert error={remove.error} />}
    </>
  );
}
