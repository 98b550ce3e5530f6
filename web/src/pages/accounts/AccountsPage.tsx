import { Sparkline } from '@mantine/charts';
import {
  ActionIcon,
  Anchor,
  Button,
  Card,
  Chip,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import {
  IconDownload,
  IconSearch,
  IconSortAscending,
  IconSortDescending,
  IconUsersGroup,
  IconX,
} from '@tabler/icons-react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import type { AccountListItem } from '../../api/accounts.js';
import { api } from '../../api/client.js';
import { filterFromParams } from '../../api/segments.js';
import { GRADES, GradeBadge, gradeColor, ScoreCell } from '../../components/badges.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import { SignalChip } from '../../components/SignalChip.js';
import { formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';
import { SaveSegmentButton } from '../segments/SaveSegmentButton.js';
import { ScoreNowButton } from './ScoreNowButton.js';

const PAGE = 50;
const SORTS = [
  { value: 'score', label: 'Overall score' },
  { value: 'expansion', label: 'Expansion' },
  { value: 'churnRisk', label: 'Churn risk' },
  { value: 'health', label: 'Health' },
  { value: 'fit', label: 'Fit' },
  { value: 'name', label: 'Name' },
  { value: 'scoredAt', label: 'Last scored' },
];

function Trend({ account }: { account: AccountListItem }) {
  if (account.trend.length < 2) {
    return (
      <Tooltip label="The trend line starts once the account has been scored on two days" withArrow>
        <Text size="xs" c="dimmed">
          {account.trend.length === 1 ? '1 day' : '—'}
        </Text>
      </Tooltip>
    );
  }
  const first = account.trend[0]!.score;
  const last = account.trend[account.trend.length - 1]!.score;
  const change = Math.round(last - first);
  return (
    <Tooltip label={`${change >= 0 ? '+' : ''}${change} over ${account.trend.length} days`} withArrow>
      <div
        role="img"
        aria-label={`Score trend: ${change >= 0 ? 'up' : 'down'} ${Math.abs(change)} points in 30 days`}
      >
        <Sparkline
          w={110}
          h={32}
          data={account.trend.map((p) => p.score)}
          curveType="linear"
          color={change > 2 ? 'teal' : change < -2 ? 'red' : 'gray'}
          fillOpacity={0.25}
          strokeWidth={1.5}
        />
      </div>
    </Tooltip>
  );
}

function AccountRow({ account, fitHint }: { account: AccountListItem; fitHint: string }) {
  const navigate = useNavigate();
  return (
    <Table.Tr data-clickable onClick={() => navigate(`/accounts/${account.id}`)}>
      <Table.Td maw={260}>
        <Anchor
          component={Link}
          to={`/accounts/${account.id}`}
          fw={600}
          size="sm"
          c="inherit"
          onClick={(e) => e.stopPropagation()}
          style={{ display: 'block' }}
          truncate
        >
          {account.name}
        </Anchor>
        <Text size="xs" c="dimmed" truncate>
          {account.domain}
        </Text>
      </Table.Td>
      <Table.Td>
        <GradeBadge grade={account.grade} />
      </Table.Td>
      <Table.Td>
        <ScoreCell label="Health" value={account.health} />
      </Table.Td>
      <Table.Td>
        <ScoreCell label="Expansion" value={account.expansion} />
      </Table.Td>
      <Table.Td>
        <ScoreCell label="Churn risk" value={account.churnRisk} inverse />
      </Table.Td>
      <Table.Td>
        <ScoreCell label="Fit" value={account.fit} unknownHint={fitHint} />
      </Table.Td>
      <Table.Td maw={300}>
        <Group gap={4}>
          {account.topSignals.slice(0, 3).map((s) => (
            <SignalChip key={s.key} title={s.title} direction={s.direction} share={s.share} />
          ))}
          {account.topSignals.length > 3 && (
            <Text size="xs" c="dimmed">
              +{account.topSignals.length - 3}
            </Text>
          )}
          {account.topSignals.length === 0 && (
            <Text size="xs" c="dimmed">
              {account.score == null ? 'Not scored yet' : 'No signals'}
            </Text>
          )}
        </Group>
      </Table.Td>
      <Table.Td maw={160}>
        <Text size="xs" c={account.owner ? undefined : 'dimmed'} truncate title={account.owner?.email}>
          {account.owner ? (account.owner.name ?? account.owner.email) : '—'}
        </Text>
      </Table.Td>
      <Table.Td visibleFrom="md">
        <Trend account={account} />
      </Table.Td>
    </Table.Tr>
  );
}

/** Accounts with their scores: search, grade filter, a signal filter, sort; more on scroll. */
export function AccountsPage() {
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const [debounced] = useDebouncedValue(search.trim(), 300);
  const grades = (params.get('grade') ?? '').split(',').filter(Boolean);
  const sortParam = params.get('sort') ?? '-score';
  const descending = sortParam.startsWith('-');
  const sortField = sortParam.replace(/^-/, '');
  const signal = params.get('signal');

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next, { replace: true });
  };

  // Keep the search box and the URL in step (debounced, so typing does not reload on every key).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new search term should write the URL.
  useEffect(() => {
    if ((params.get('q') ?? '') !== debounced) update({ q: debounced || null });
  }, [debounced]);

  const signals = useQuery({ queryKey: ['signals'], queryFn: () => api.get('/api/v1/signals') });
  const owners = useQuery({
    queryKey: ['accounts', 'owners'],
    queryFn: () => api.get('/api/v1/accounts/owners'),
  });
  const owner = params.get('owner');
  // Every filter in the URL (a segment opened here may carry more than the controls below show).
  const filter = filterFromParams(params);
  const query = {
    ...filter,
    ...(debounced ? { q: debounced } : {}),
    sort: sortParam,
    limit: PAGE,
  } as Record<string, string | number> & { sort: string; limit: number };
  const accounts = useInfiniteQuery({
    queryKey: ['accounts', query],
    queryFn: ({ pageParam }) =>
      api.get('/api/v1/accounts', { query: { ...query, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: (previous) => previous,
  });
  const rows = accounts.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(debounced) || Object.keys(filter).length > 0;
  const exportUrl = `/api/v1/accounts/export?${new URLSearchParams(
    Object.entries({ ...filter, ...(debounced ? { q: debounced } : {}), format: 'csv' }).map(([k, v]) => [
      k,
      String(v),
    ]),
  ).toString()}`;
  const scoring = useQuery({
    queryKey: ['scoring', 'settings'],
    queryFn: () => api.get('/api/v1/scoring/settings'),
  });
  const icp = scoring.data?.settings.icp;
  const noIcp =
    scoring.isSuccess &&
    !(icp && (icp.industries.length || icp.regions.length || icp.employees || icp.revenue));
  const fitHint = noIcp
    ? can('admin')
      ? 'set your ideal customer profile in Settings › Scoring.'
      : 'an admin sets the ideal customer profile in Settings › Scoring.'
    : 'no firmographics for this company yet (Apollo enrichment fills them).';

  return (
    <>
      <PageHeader
        title="Accounts"
        description="Every company Beton resolved from your tools, scored for health, expansion, churn risk and fit."
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconDownload size={16} />}
              component="a"
              href={exportUrl}
              download
            >
              Export CSV
            </Button>
            <SaveSegmentButton filter={{ ...filter, ...(debounced ? { q: debounced } : {}) }} />
            <ScoreNowButton />
          </>
        }
      />
      <Stack>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            aria-label="Search accounts"
            placeholder="Search name or domain"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            rightSection={
              search ? (
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="sm"
                  aria-label="Clear search"
                  onClick={() => setSearch('')}
                >
                  <IconX size={14} />
                </ActionIcon>
              ) : null
            }
            w={{ base: '100%', sm: 260 }}
          />
          <Select
            aria-label="Only accounts with this signal"
            placeholder="Any signal"
            data={(signals.data?.signals ?? []).map((s) => ({ value: s.key, label: s.title }))}
            value={signal}
            onChange={(v) => update({ signal: v })}
            searchable
            clearable
            w={{ base: '100%', sm: 220 }}
          />
          <Select
            aria-label="Only accounts of this owner"
            placeholder="Any owner"
            data={[
              ...(owners.data?.items ?? []).map((o) => ({
                value: o.email,
                label: `${o.name ?? o.email} (${o.accounts})`,
              })),
              { value: 'none', label: 'No owner' },
            ]}
            value={owner}
            onChange={(v) => update({ owner: v })}
            searchable
            clearable
            w={{ base: '100%', sm: 220 }}
          />
          <Group gap={4} wrap="nowrap">
            <Select
              aria-label="Sort by"
              data={SORTS}
              value={sortField}
              allowDeselect={false}
              onChange={(v) => v && update({ sort: `${descending ? '-' : ''}${v}` })}
              w={160}
            />
            <Tooltip label={descending ? 'Highest first' : 'Lowest first'}>
              <ActionIcon
                variant="default"
                size="input-sm"
                aria-label={
                  descending
                    ? 'Sorted highest first; sort lowest first'
                    : 'Sorted lowest first; sort highest first'
                }
                onClick={() => update({ sort: `${descending ? '' : '-'}${sortField}` })}
              >
                {descending ? <IconSortDescending size={18} /> : <IconSortAscending size={18} />}
              </ActionIcon>
            </Tooltip>
          </Group>
        </Group>
        <Chip.Group
          multiple
          value={grades}
          onChange={(v) => update({ grade: v.length ? v.join(',') : null })}
        >
          <Group gap={6} role="group" aria-label="Filter by grade">
            {GRADES.map((g) => (
              <Chip key={g} value={g} size="sm" color={gradeColor(g)} variant="light">
                {g}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        {accounts.isPending ? (
          <Loading label="Loading accounts…" />
        ) : accounts.isError ? (
          <ErrorAlert error={accounts.error} onRetry={() => accounts.refetch()} />
        ) : rows.length === 0 ? (
          filtered ? (
            <Empty
              icon={<IconSearch />}
              title="No accounts match"
              action={
                <Button
                  variant="default"
                  onClick={() => {
                    setSearch('');
                    setParams({}, { replace: true });
                  }}
                >
                  Clear filters
                </Button>
              }
            >
              Try another search, or fewer grades.
            </Empty>
          ) : (
            <Empty icon={<IconUsersGroup />} title="No accounts yet" action={<ScoreNowButton />}>
              Accounts appear when a source has synced and a score run has resolved its records into
              companies. Connect PostHog or Stripe on the Integrations page, sync, then score.
            </Empty>
          )
        ) : (
          <Card withBorder p={0}>
            {noIcp && (
              <Text size="xs" c="dimmed" px="md" pt="sm" data-testid="fit-hint">
                Fit stays empty until the ideal customer profile is set:{' '}
                {can('admin') ? (
                  <Anchor component={Link} to="/settings/scoring" size="xs">
                    Settings › Scoring
                  </Anchor>
                ) : (
                  'ask an admin to set it in Settings › Scoring'
                )}
                .
              </Text>
            )}
            <Table.ScrollContainer minWidth={900}>
              <Table highlightOnHover verticalSpacing="sm" styles={{ th: { whiteSpace: 'nowrap' } }}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Account</Table.Th>
                    <Table.Th w={80}>Grade</Table.Th>
                    <Table.Th>Health</Table.Th>
                    <Table.Th>Expansion</Table.Th>
                    <Table.Th>Churn risk</Table.Th>
                    <Table.Th>Fit</Table.Th>
                    <Table.Th>Top signals</Table.Th>
                    <Table.Th>Owner</Table.Th>
                    <Table.Th visibleFrom="md">30 days</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((a) => (
                    <AccountRow key={a.id} account={a} fitHint={fitHint} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>
        )}
        {accounts.hasNextPage && (
          <Group justify="center">
            <Button
              variant="default"
              onClick={() => accounts.fetchNextPage()}
              loading={accounts.isFetchingNextPage}
            >
              Show more accounts
            </Button>
          </Group>
        )}
        {rows.length > 0 && rows[0]?.scoredAt && (
          <Text size="xs" c="dimmed" ta="center">
            Scores from {formatRelative(rows[0].scoredAt)}.
          </Text>
        )}
      </Stack>
    </>
  );
}
