import { Card, Table, Text } from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client.js';
import { type PushDestination, pushKeys } from '../../api/push.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { formatRelative } from '../../lib/format.js';

/** Companies the CRM refused, with its reason; the next push tries them again. */
export function RejectsPanel({ destination }: { destination: PushDestination }) {
  const rejects = useQuery({
    queryKey: pushKeys.rejects(destination),
    queryFn: () => api.get('/api/v1/push/{destination}/rejects', { params: { destination } }),
  });
  return (
    <QueryState query={rejects} loadingLabel="Loading rejects…">
      {({ rejects: list }) =>
        list.length === 0 ? (
          <Empty icon={<IconCircleCheck />} title="No rejected records">
            When the CRM refuses a company, it is listed here with the reason and retried on the next push.
          </Empty>
        ) : (
          <Card withBorder p={0}>
            <Table.ScrollContainer minWidth={600}>
              <Table verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Company</Table.Th>
                    <Table.Th>Reason</Table.Th>
                    <Table.Th ta="right">Attempts</Table.Th>
                    <Table.Th>Last tried</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((r) => (
                    <Table.Tr key={r.key}>
                      <Table.Td>{r.key}</Table.Td>
                      <Table.Td>
                        <Text size="sm">{r.reason}</Text>
                        <Text size="xs" c="dimmed">
                          {r.code}
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">{r.attempts}</Table.Td>
                      <Table.Td>{formatRelative(r.lastSeenAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        )
      }
    </QueryState>
  );
}
