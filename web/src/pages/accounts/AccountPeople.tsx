import { Badge, Group, Stack, Table, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconChevronDown, IconChevronUp, IconSelector } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type ResponseOf } from '../../api/client.js';
import { QueryState } from '../../components/QueryState.js';
import { formatDate, humanize } from '../../lib/format.js';

type Person = ResponseOf<'/api/v1/accounts/{id}/people', 'get'>['items'][number];
type SortField = 'name' | 'title' | 'seniority' | 'department' | 'firstSeenAt' | 'lastSeenAt' | 'signals';

const COLUMNS: { field: SortField; label: string }[] = [
  { field: 'name', label: 'Person' },
  { field: 'title', label: 'Title' },
  { field: 'seniority', label: 'Seniority' },
  { field: 'department', label: 'Department' },
  { field: 'firstSeenAt', label: 'First seen' },
  { field: 'lastSeenAt', label: 'Last seen' },
  { field: 'signals', label: 'Signals' },
];

function SortHeader({
  field,
  label,
  sort,
  onSort,
}: {
  field: SortField;
  label: string;
  sort: { field: SortField; order: 'asc' | 'desc' };
  onSort: (field: SortField) => void;
}) {
  const active = sort.field === field;
  const Icon = !active ? IconSelector : sort.order === 'asc' ? IconChevronUp : IconChevronDown;
  return (
    <Table.Th aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => onSort(field)} aria-label={`Sort by ${label}`}>
        <Group gap={4} wrap="nowrap">
          <Text size="sm" fw={600}>
            {label}
          </Text>
          <Icon size={14} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

/** The fields two sources disagree on, each value with who said it. */
function Conflicts({ person }: { person: Person }) {
  if (person.conflicts.length === 0) return null;
  const text = person.conflicts
    .map(
      (c) =>
        `${humanize(c.field)}: ${c.values.map((v) => `"${v.value}" (${v.sources.join(', ')})`).join(' vs ')}`,
    )
    .join('\n');
  return (
    <Tooltip label={text} multiline w={320} style={{ whiteSpace: 'pre-line' }}>
      <Badge
        size="xs"
        color="yellow"
        variant="light"
        leftSection={<IconAlertTriangle size={10} />}
        aria-label={`Sources disagree. ${text}`}
      >
        sources disagree
      </Badge>
    </Tooltip>
  );
}

function PersonRow({ person }: { person: Person }) {
  return (
    <Table.Tr>
      <Table.Td>
        <Stack gap={0}>
          <Group gap={6}>
            <Text size="sm" fw={500}>
              {person.name ?? person.email ?? person.key}
            </Text>
            <Conflicts person={person} />
          </Group>
          {person.email && person.name && (
            <Text size="xs" c="dimmed">
              {person.email}
            </Text>
          )}
          <Text size="xs" c="dimmed">
            {person.sources.map((s) => s.source).join(' · ')}
            {person.nps.length > 0 ? ` · NPS ${person.nps[person.nps.length - 1]!.score}` : ''}
          </Text>
        </Stack>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{person.title ?? '—'}</Text>
      </Table.Td>
      <Table.Td>{person.seniority ? humanize(person.seniority) : '—'}</Table.Td>
      <Table.Td>{person.department ? humanize(person.department) : '—'}</Table.Td>
      <Table.Td>{person.firstSeenAt ? formatDate(person.firstSeenAt) : '—'}</Table.Td>
      <Table.Td>{person.lastSeenAt ? formatDate(person.lastSeenAt) : '—'}</Table.Td>
      <Table.Td>
        <Group gap={4}>
          {person.signals.map((s) => (
            <Tooltip key={s.occurrenceId} label={formatDate(s.occurredAt)}>
              <Badge size="xs" variant="light">
                {s.title}
              </Badge>
            </Tooltip>
          ))}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/**
 * The people at an account (every source's, merged by e-mail), in a table sorted by the server:
 * click a header to sort by it, again to reverse.
 */
export function AccountPeople({ accountId }: { accountId: string }) {
  const [sort, setSort] = useState<{ field: SortField; order: 'asc' | 'desc' }>({
    field: 'lastSeenAt',
    order: 'desc',
  });
  const people = useQuery({
    queryKey: ['accounts', 'people', accountId, sort.field, sort.order],
    queryFn: () =>
      api.get('/api/v1/accounts/{id}/people', {
        params: { id: accountId },
        query: { sort: sort.field, order: sort.order },
      }),
  });
  const onSort = (field: SortField) =>
    setSort((s) => ({
      field,
      order: s.field === field ? (s.order === 'asc' ? 'desc' : 'asc') : field === 'name' ? 'asc' : 'desc',
    }));
  return (
    <QueryState query={people} loadingLabel="Loading the people…">
      {(d) =>
        d.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No one is known at this account yet: people come from the product's users, the CRM's contacts and
            billing e-mails once those are synced.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={720}>
            <Table verticalSpacing="xs" aria-label="People at this account">
              <Table.Thead>
                <Table.Tr>
                  {COLUMNS.map((c) => (
                    <SortHeader key={c.field} {...c} sort={sort} onSort={onSort} />
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.items.map((p) => (
                  <PersonRow key={p.key} person={p} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      }
    </QueryState>
  );
}
