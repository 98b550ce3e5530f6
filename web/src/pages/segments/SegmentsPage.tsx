import { Sparkline } from '@mantine/charts';
import { Anchor, Card, Table, Text } from '@mantine/core';
import { IconFilter } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client.js';
import { describeFilter, type Segment } from '../../api/segments.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import { formatRelative } from '../../lib/format.js';

/** Members over the last 30 days, as a sparkline, with the week's entries. */
function SegmentTrend({ segment }: { segment: Segment }) {
  const history = useQuery({
    queryKey: ['segments', segment.id, 'history', 30],
    queryFn: () =>
      api.get('/api/v1/segments/{id}/history', { params: { id: segment.id }, query: { days: 30 } }),
  });
  const days = history.data?.days ?? [];
  const week = days.slice(-7).reduce((n, d) => n + d.entered, 0);
  return (
    <Table.Td>
      {days.length > 1 && (
        <div role="img" aria-label={`Members over 30 days: ${days.map((d) => d.members).join(', ')}`}>
          <Sparkline w={120} h={28} data={days.map((d) => d.members)} curveType="linear" fillOpacity={0.2} />
        </div>
      )}
      <Text size="xs" c="dimmed">
        {history.isSuccess ? `${week} new this week` : ' '}
      </Text>
    </Table.Td>
  );
}

/** Saved segments with their member counts and trend; open one to see its members. */
export function SegmentsPage() {
  const navigate = useNavigate();
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.get('/api/v1/segments') });
  return (
    <>
      <PageHeader
        title="Segments"
        description="Saved account filters, shared with the workspace. Members are re-evaluated after every score run, with who entered and who left."
      />
      {segments.isPending ? (
        <Loading label="Loading segments…" />
      ) : segments.isError ? (
        <ErrorAlert error={segments.error} onRetry={() => segments.refetch()} />
      ) : segments.data.items.length === 0 ? (
        <Empty icon={<IconFilter />} title="No segments yet">
          Filter the{' '}
          <Anchor component={Link} to="/accounts">
            accounts list
          </Anchor>
          , then choose “Save as segment”.
        </Empty>
      ) : (
        <Card withBorder p={0}>
          <Table highlightOnHover verticalSpacing="sm" aria-label="Segments">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Segment</Table.Th>
                <Table.Th>Members</Table.Th>
                <Table.Th>Trend (30 days)</Table.Th>
                <Table.Th visibleFrom="sm">Evaluated</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {segments.data.items.map((s) => (
                <Table.Tr key={s.id} data-clickable onClick={() => navigate(`/segments/${s.id}`)}>
                  <Table.Td maw={420}>
                    <Anchor
                      component={Link}
                      to={`/segments/${s.id}`}
                      fw={600}
                      size="sm"
                      c="inherit"
                      onClick={(e) => e.stopPropagation()}
                    >
                      {s.name}
                    </Anchor>
                    <Text size="xs" c="dimmed" truncate>
                      {describeFilter(s.filter)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text fw={600}>{s.memberCount.toLocaleString()}</Text>
                  </Table.Td>
                  <SegmentTrend segment={s} />
                  <Table.Td visibleFrom="sm">
                    <Text size="sm" c="dimmed">
                      {s.evaluatedAt ? formatRelative(s.evaluatedAt) : 'not yet'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </>
  );
}
