import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  Tooltip,
} from '@mantine/core';
import { IconDots, IconPencil, IconPlus, IconSparkles, IconTrash } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { DIRECTION_COLOR, type SignalDefinition } from '../../api/accounts.js';
import { api } from '../../api/client.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading, QueryState } from '../../components/QueryState.js';
import { formatDateTime, formatNumber, formatPercent, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';
import { CustomSignalModal } from './CustomSignalModal.js';

type Direction = 'all' | 'expansion' | 'churn' | 'timing';

function Lift({ signal }: { signal: SignalDefinition }) {
  if (signal.lift == null) {
    return (
      <Tooltip
        label={signal.support ? 'Too few outcomes to compare' : 'Not fired in the backtest period yet'}
      >
        <Text size="sm" c="dimmed">
          —
        </Text>
      </Tooltip>
    );
  }
  const strong = signal.lift >= 1.5;
  return (
    <Tooltip
      label={`Accounts that fired it reached the outcome ${signal.lift.toFixed(1)}× as often as accounts that did not (${formatNumber(signal.support)} accounts).`}
      multiline
      w={260}
    >
      <Text size="sm" fw={strong ? 700 : 400} c={strong ? 'teal' : signal.lift < 1 ? 'dimmed' : undefined}>
        {signal.lift.toFixed(1)}×
      </Text>
    </Tooltip>
  );
}

/**
 * A description with its `parameter` placeholders filled with this workspace's values; other
 * back-quoted names (events, fields) lose their back-quotes, which read as stray marks in the table.
 */
export function describeSignal(signal: Pick<SignalDefinition, 'description' | 'params'>): string {
  return signal.description.replace(/`([^`]+)`/g, (_whole, name: string) => {
    const value = signal.params[name];
    if (value == null) return name;
    return Array.isArray(value) ? value.join(', ') : String(value);
  });
}

function SignalRow({ signal, onEdit }: { signal: SignalDefinition; onEdit: () => void }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['signals'] });
  const toggle = useMutation({
    // The PATCH merges: only `enabled` changes, every other setting keeps its stored value.
    mutationFn: async (enabled: boolean): Promise<void> => {
      await api.patch('/api/v1/signals/{key}', { params: { key: signal.key }, body: { enabled } });
    },
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () =>
      api.delete('/api/v1/signals/custom/{id}', { params: { id: signal.key.replace(/^custom:/, '') } }),
    meta: { successMessage: `“${signal.title}” deleted` },
    onSuccess: () => setDeleting(false),
    onSettled: refresh,
  });
  return (
    <Table.Tr opacity={signal.enabled ? 1 : 0.55}>
      <Table.Td maw={380}>
        <Group gap={6}>
          <Text size="sm" fw={600}>
            {signal.title}
          </Text>
          <Badge size="xs" variant="light" color={DIRECTION_COLOR[signal.direction]}>
            {signal.direction}
          </Badge>
          {signal.custom && (
            <Badge size="xs" variant="outline" color="gray">
              custom
            </Badge>
          )}
        </Group>
        <Tooltip label={describeSignal(signal)} multiline maw={420} openDelay={400}>
          <Text size="xs" c="dimmed" lineClamp={2}>
            {describeSignal(signal)}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td ta="right">
        <Anchor
          component={Link}
          to={`/signals?tab=occurrences&signal=${encodeURIComponent(signal.key)}`}
          size="sm"
        >
          {formatNumber(signal.counts.occurrences)}
        </Anchor>
      </Table.Td>
      <Table.Td ta="right">
        <Anchor component={Link} to={`/accounts?signal=${encodeURIComponent(signal.key)}`} size="sm">
          {formatNumber(signal.counts.accounts)}
        </Anchor>
      </Table.Td>
      <Table.Td visibleFrom="md">
        {signal.counts.lastOccurredAt ? formatRelative(signal.counts.lastOccurredAt) : 'never'}
      </Table.Td>
      <Table.Td ta="right">{formatPercent(signal.precision)}</Table.Td>
      <Table.Td ta="right">
        <Tooltip
          label={`Alert feedback: ${signal.teamVerdicts.useful} useful, ${signal.teamVerdicts.notUseful} not useful, ${signal.teamVerdicts.snoozed} snoozed`}
        >
          <Text size="sm" span aria-label={`Team precision for ${signal.title}`}>
            {formatPercent(signal.teamVerdicts.teamPrecision)}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td ta="right">
        <Lift signal={signal} />
      </Table.Td>
      <Table.Td ta="right" visibleFrom="sm">
        {signal.medianLeadDays == null ? '—' : `${Math.round(signal.medianLeadDays)} d`}
      </Table.Td>
      <Table.Td>
        {can('admin') ? (
          <Group gap={4} wrap="nowrap" justify="flex-end">
            <Switch
              size="xs"
              checked={signal.enabled}
              onChange={(e) => toggle.mutate(e.currentTarget.checked)}
              disabled={toggle.isPending}
              aria-label={`${signal.enabled ? 'Disable' : 'Enable'} ${signal.title}`}
            />
            {signal.custom && (
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${signal.title}`}>
                    <IconDots size={16} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item leftSection={<IconPencil size={14} />} onClick={onEdit}>
                    Edit
                  </Menu.Item>
                  <Menu.Item
                    color="red"
                    leftSection={<IconTrash size={14} />}
                    onClick={() => setDeleting(true)}
                  >
                    Delete
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
            )}
          </Group>
        ) : (
          <Text size="xs" c="dimmed">
            {signal.enabled ? 'on' : 'off'}
          </Text>
        )}
        <ConfirmModal
          opened={deleting}
          title={`Delete “${signal.title}”?`}
          confirmLabel="Delete signal"
          onConfirm={() => remove.mutate()}
          onClose={() => setDeleting(false)}
          pending={remove.isPending}
        >
          Its occurrences and backtest go with it; scores drop its contribution at the next score run.
        </ConfirmModal>
      </Table.Td>
    </Table.Tr>
  );
}

function Definitions() {
  const { can } = useSession();
  const [direction, setDirection] = useState<Direction>('all');
  const [editing, setEditing] = useState<SignalDefinition | null>(null);
  const [creating, setCreating] = useState(false);
  const signals = useQuery({ queryKey: ['signals'], queryFn: () => api.get('/api/v1/signals') });

  return (
    <QueryState query={signals} loadingLabel="Loading signals…">
      {(data) => {
        const list = data.signals
          .filter((s) => direction === 'all' || s.direction === direction)
          .sort((a, b) => (b.lift ?? -1) - (a.lift ?? -1) || b.counts.accounts - a.counts.accounts);
        return (
          <Stack>
            <Group justify="space-between">
              <SegmentedControl
                size="xs"
                value={direction}
                onChange={(v) => setDirection(v as Direction)}
                aria-label="Show signals pointing to"
                data={[
                  { value: 'all', label: 'All' },
                  { value: 'expansion', label: 'Expansion' },
                  { value: 'churn', label: 'Churn' },
                  { value: 'timing', label: 'Timing' },
                ]}
              />
              <Group gap="md">
                <Text size="xs" c="dimmed">
                  {data.computedAt
                    ? `Backtest from ${formatDateTime(data.computedAt)} · base rates: expansion ${formatPercent(data.baseRates.expansion)}, churn ${formatPercent(data.baseRates.churn)}`
                    : 'No backtest yet: it runs after each score run.'}
                </Text>
                {can('admin') && (
                  <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setCreating(true)}>
                    New custom signal
                  </Button>
                )}
              </Group>
            </Group>
            <Card withBorder p={0}>
              <Table.ScrollContainer minWidth={860}>
                <Table verticalSpacing="sm" highlightOnHover>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Signal</Table.Th>
                      <Table.Th ta="right">Fired</Table.Th>
                      <Table.Th ta="right">Accounts</Table.Th>
                      <Table.Th visibleFrom="md">Last</Table.Th>
                      <Table.Th ta="right">
                        <Tooltip label="Of accounts that fired it, the share that reached the outcome within 30 days">
                          <span>Precision</span>
                        </Tooltip>
                      </Table.Th>
                      <Table.Th ta="right">
                        <Tooltip label="Useful ÷ (useful + not useful), from people's answers to alerts">
                          <span>Team</span>
                        </Tooltip>
                      </Table.Th>
                      <Table.Th ta="right">
                        <Tooltip label="Precision divided by the rate among accounts that did not fire it">
                          <span>Lift</span>
                        </Tooltip>
                      </Table.Th>
                      <Table.Th ta="right" visibleFrom="sm">
                        <Tooltip label="Median days from the signal to the outcome">
                          <span>Lead</span>
                        </Tooltip>
                      </Table.Th>
                      <Table.Th ta="right">{can('admin') ? 'On' : ''}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {list.map((s) => (
                      <SignalRow key={s.key} signal={s} onEdit={() => setEditing(s)} />
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
            <CustomSignalModal
              opened={creating || editing !== null}
              editing={editing}
              onClose={() => {
                setCreating(false);
                setEditing(null);
              }}
            />
          </Stack>
        );
      }}
    </QueryState>
  );
}

const PAGE = 50;

function Occurrences() {
  const [params, setParams] = useSearchParams();
  const signal = params.get('signal');
  const signals = useQuery({ queryKey: ['signals'], queryFn: () => api.get('/api/v1/signals') });
  const titles = new Map((signals.data?.signals ?? []).map((s) => [s.key, s]));
  const occurrences = useInfiniteQuery({
    queryKey: ['signals', 'occurrences', signal],
    queryFn: ({ pageParam }) =>
      api.get('/api/v1/signals/occurrences', {
        query: { limit: PAGE, ...(signal ? { signal } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
      }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = occurrences.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack>
      <Select
        aria-label="Filter by signal"
        placeholder="Every signal"
        data={(signals.data?.signals ?? []).map((s) => ({ value: s.key, label: s.title }))}
        value={signal}
        onChange={(v) => {
          const next = new URLSearchParams(params);
          if (v) next.set('signal', v);
          else next.delete('signal');
          setParams(next, { replace: true });
        }}
        searchable
        clearable
        w={{ base: '100%', sm: 280 }}
      />
      {occurrences.isPending ? (
        <Loading label="Loading occurrences…" />
      ) : occurrences.isError ? (
        <ErrorAlert error={occurrences.error} onRetry={() => occurrences.refetch()} />
      ) : rows.length === 0 ? (
        <Empty icon={<IconSparkles />} title={signal ? 'This signal has not fired' : 'No signals yet'}>
          Signals fire during score runs, from synced usage, billing and people data. Sync your sources, then
          score.
        </Empty>
      ) : (
        <Card withBorder p={0}>
          <Table.ScrollContainer minWidth={700}>
            <Table verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th miw={160}>Signal</Table.Th>
                  <Table.Th>Account and what happened</Table.Th>
                  <Table.Th ta="right">Strength</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((o) => {
                  const def = titles.get(o.key);
                  return (
                    <Table.Tr key={o.id}>
                      <Table.Td>
                        <Tooltip label={formatDateTime(o.occurredAt)}>
                          <Text size="sm">{formatRelative(o.occurredAt)}</Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Badge
                          variant="light"
                          color={DIRECTION_COLOR[def?.direction ?? ''] ?? 'gray'}
                          tt="none"
                        >
                          {def?.title ?? o.key}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Anchor component={Link} to={`/accounts/${o.accountId}`} size="sm" fw={600}>
                          {o.account?.name ?? 'Open account'}
                        </Anchor>
                        {o.account && (
                          <Text span size="xs" c="dimmed">
                            {' '}
                            {o.account.domain}
                          </Text>
                        )}
                        <Text size="sm">{o.explanation}</Text>
                      </Table.Td>
                      <Table.Td ta="right">{o.strength.toFixed(2)}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Card>
      )}
      {occurrences.hasNextPage && (
        <Group justify="center">
          <Button
            variant="default"
            onClick={() => occurrences.fetchNextPage()}
            loading={occurrences.isFetchingNextPage}
          >
            Load older
          </Button>
        </Group>
      )}
    </Stack>
  );
}

export function SignalsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'occurrences' ? 'occurrences' : 'definitions';
  return (
    <>
      <PageHeader
        title="Signals"
        description="What Beton watches for, how often it fires, and how well it predicted upgrades and churn in your own history."
      />
      <Tabs
        value={tab}
        onChange={(v) => setParams(v === 'occurrences' ? { tab: v } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="definitions">Definitions</Tabs.Tab>
          <Tabs.Tab value="occurrences">Occurrences</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="definitions">
          <Definitions />
        </Tabs.Panel>
        <Tabs.Panel value="occurrences">
          <Occurrences />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
