import { BarChart } from '@mantine/charts';
import { Anchor, Button, Card, Grid, Group, Stack, Table, Text, ThemeIcon, Title } from '@mantine/core';
import { IconCircleCheck, IconCircleDashed, IconPlugConnected } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { GRADES, StatusBadge } from '../../components/badges.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import { SignalChip } from '../../components/SignalChip.js';
import { formatNumber, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';
import { isActive } from '../sync/SyncRunsPage.js';

interface Step {
  done: boolean;
  title: string;
  detail: string;
  to: string;
  /** No button while an earlier step blocks this one. */
  action: string | null;
}

function NextSteps({ steps }: { steps: Step[] }) {
  const open = steps.filter((s) => !s.done);
  return (
    <Card withBorder h="100%">
      <Title order={2} size="h4" mb="sm">
        {open.length === 0 ? 'All set' : 'What to do next'}
      </Title>
      {open.length === 0 && (
        <Text size="sm" c="dimmed" mb="sm">
          Your pipeline runs by itself: sources sync hourly, and each push shows its diff before it writes.
        </Text>
      )}
      <Stack gap="sm">
        {steps.map((step) => (
          <Group key={step.title} wrap="nowrap" align="flex-start" gap="sm">
            <ThemeIcon variant="light" color={step.done ? 'teal' : 'gray'} radius="xl" size="md" aria-hidden>
              {step.done ? <IconCircleCheck size={16} /> : <IconCircleDashed size={16} />}
            </ThemeIcon>
            <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
              <Text
                size="sm"
                fw={500}
                td={step.done ? 'line-through' : undefined}
                c={step.done ? 'dimmed' : undefined}
              >
                {step.title}
              </Text>
              {!step.done && (
                <Text size="xs" c="dimmed">
                  {step.detail}
                </Text>
              )}
            </Stack>
            {!step.done && step.action && (
              <Button component={Link} to={step.to} size="xs" variant="light">
                {step.action}
              </Button>
            )}
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

function Section({
  title,
  link,
  children,
}: {
  title: string;
  link?: { to: string; label: string };
  children: ReactNode;
}) {
  return (
    <Card withBorder h="100%">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {link && (
          <Anchor component={Link} to={link.to} size="sm">
            {link.label}
          </Anchor>
        )}
      </Group>
      {children}
    </Card>
  );
}

const WEEK_MS = 7 * 86_400_000;

function AccountsByGrade() {
  const summary = useQuery({
    queryKey: ['accounts', 'summary'],
    queryFn: () => api.get('/api/v1/accounts/summary'),
  });
  if (summary.isPending) return <Loading label="Counting accounts…" />;
  if (summary.isError) return <ErrorAlert error={summary.error} onRetry={() => summary.refetch()} />;
  const { total, scored, byGrade } = summary.data;
  if (total === 0) {
    return (
      <Text size="sm" c="dimmed">
        No accounts yet. They appear once a source has synced and a score run has resolved its records.
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <BarChart
        h={180}
        data={GRADES.map((g) => ({ grade: g, accounts: byGrade[g] ?? 0 }))}
        dataKey="grade"
        series={[{ name: 'accounts', label: 'Accounts', color: 'indigo.6' }]}
        tickLine="none"
        gridAxis="none"
        withBarValueLabel
        aria-label="Accounts by grade"
      />
      <Group gap="xs">
        {GRADES.map((g) => (
          <Anchor key={g} component={Link} to={`/accounts?grade=${g}`} size="xs">
            {g}: {formatNumber(byGrade[g] ?? 0)}
          </Anchor>
        ))}
      </Group>
      <Text size="xs" c="dimmed">
        {formatNumber(scored)} of {formatNumber(total)} accounts scored.
      </Text>
    </Stack>
  );
}

function NewSignals() {
  const [since] = useState(() => new Date(Date.now() - WEEK_MS).toISOString());
  const signals = useQuery({ queryKey: ['signals'], queryFn: () => api.get('/api/v1/signals') });
  const recent = useQuery({
    queryKey: ['signals', 'occurrences', 'week', since],
    queryFn: () => api.get('/api/v1/signals/occurrences', { query: { since, limit: 500 } }),
  });
  if (recent.isPending) return <Loading label="Loading signals…" />;
  if (recent.isError) return <ErrorAlert error={recent.error} onRetry={() => recent.refetch()} />;
  const items = recent.data.items;
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No signal fired in the last 7 days. Signals fire during score runs, after your sources sync.
      </Text>
    );
  }
  const defs = new Map((signals.data?.signals ?? []).map((s) => [s.key, s]));
  const byKey = new Map<string, number>();
  for (const o of items) byKey.set(o.key, (byKey.get(o.key) ?? 0) + 1);
  const top = [...byKey.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return (
    <Stack gap="xs">
      <Text size="sm">
        <b>{formatNumber(items.length)}</b>
        {recent.data.nextCursor ? '+' : ''} signals fired in the last 7 days.
      </Text>
      {top.map(([key, count]) => {
        const def = defs.get(key);
        return (
          <Group key={key} justify="space-between" wrap="nowrap">
            <Anchor component={Link} to={`/accounts?signal=${encodeURIComponent(key)}`} size="sm" c="inherit">
              <SignalChip title={def?.title ?? key} direction={def?.direction ?? null} />
            </Anchor>
            <Text size="sm">{formatNumber(count)}</Text>
          </Group>
        );
      })}
    </Stack>
  );
}

/** The pipeline at a glance: what is connected, how the last syncs went, and what to do next. */
export function HomePage() {
  const { me, can } = useSession();
  const integrations = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });
  const runs = useQuery({
    queryKey: ['sync-runs', { limit: 5 }],
    queryFn: () => api.get('/api/v1/sync-runs', { query: { limit: 5 } }),
    refetchInterval: (q) => (q.state.data?.runs.some(isActive) ? 2000 : false),
  });
  const pushes = useQuery({
    queryKey: ['push-runs', { limit: 1 }],
    queryFn: () => api.get('/api/v1/push-runs', { query: { limit: 1 } }),
  });

  if (integrations.isPending) return <Loading label="Loading your pipeline…" />;
  if (integrations.isError)
    return <ErrorAlert error={integrations.error} onRetry={() => integrations.refetch()} />;

  const list = integrations.data.integrations;
  const connected = list.filter((i) => i.connection);
  const sources = connected.filter((i) => i.roles.includes('source') && !i.roles.includes('destination'));
  const destination = list.find((i) => i.roles.includes('destination'));
  const enrichment = list.find((i) => i.roles.includes('enrichment'));
  const lastRun = runs.data?.runs[0];
  const steps: Step[] = [
    {
      done: sources.length > 0,
      title: 'Connect a product or billing source',
      detail: 'PostHog tells Beton how accounts use the product; Stripe what they pay.',
      to: '/integrations',
      action: 'Connect',
    },
    {
      done: (runs.data?.runs ?? []).some((r) => r.status === 'succeeded' || r.status === 'partial'),
      title: 'Finish a first sync',
      detail: 'Sources sync hourly; start one now to see data right away.',
      to: '/sync-runs',
      action: 'Sync',
    },
    ...(enrichment
      ? [
          {
            done: enrichment.connection !== null,
            title: `Connect ${enrichment.displayName} for firmographics`,
            detail: 'Industry, size and revenue make the fit score meaningful.',
            to: '/integrations',
            action: 'Connect',
          },
        ]
      : []),
    ...(destination
      ? [
          {
            done: destination.connection !== null,
            title: `Connect ${destination.displayName}, your CRM`,
            detail: 'Beton writes scores and top signals onto its companies.',
            to: '/integrations',
            action: 'Connect',
          },
          {
            done: (pushes.data?.runs.length ?? 0) > 0,
            title: `Push scores to ${destination.displayName}`,
            detail: 'Preview the diff with a dry run, then apply it.',
            to: '/push',
            action: destination.connection ? 'Plan a push' : null,
          },
        ]
      : []),
  ];

  return (
    <>
      <PageHeader
        title={`Welcome, ${me.user.name.split(' ')[0] || me.user.name}`}
        description={`${me.workspace.name}: your revenue pipeline at a glance.`}
      />
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <NextSteps steps={steps.filter((s) => can('admin') || s.done || !s.title.startsWith('Connect'))} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title="Connected tools" link={{ to: '/integrations', label: 'All integrations' }}>
            {connected.length === 0 ? (
              <Empty icon={<IconPlugConnected />} title="Nothing connected yet">
                {can('admin')
                  ? 'Start with Stripe or PostHog on the Integrations page.'
                  : 'Ask an admin to connect your tools.'}
              </Empty>
            ) : (
              <Stack gap="xs">
                {connected.map((i) => (
                  <Group key={i.name} justify="space-between" wrap="nowrap">
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      <Text size="sm" fw={500}>
                        {i.displayName}
                      </Text>
                      <Text size="xs" c="dimmed" truncate>
                        {i.connection?.accountLabel ?? ''}
                      </Text>
                    </Stack>
                    <StatusBadge status={i.connection?.health?.status === 'down' ? 'unhealthy' : i.status} />
                  </Group>
                ))}
              </Stack>
            )}
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title="Accounts by grade" link={{ to: '/accounts', label: 'All accounts' }}>
            <AccountsByGrade />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section
            title="New signals this week"
            link={{ to: '/signals?tab=occurrences', label: 'All occurrences' }}
          >
            <NewSignals />
          </Section>
        </Grid.Col>
        <Grid.Col span={12}>
          <Section title="Latest syncs" link={{ to: '/sync-runs', label: 'All sync runs' }}>
            {runs.isError ? (
              <ErrorAlert error={runs.error} onRetry={() => runs.refetch()} />
            ) : !lastRun ? (
              <Text size="sm" c="dimmed">
                No sync has run yet. Connect a source; its first sync starts from the Integrations page or
                within the hour.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={520}>
                <Table verticalSpacing={6}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Source</Table.Th>
                      <Table.Th>Result</Table.Th>
                      <Table.Th>When</Table.Th>
                      <Table.Th ta="right">Written</Table.Th>
                      <Table.Th ta="right">Rejected</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {runs.data?.runs.map((r) => (
                      <Table.Tr key={r.id}>
                        <Table.Td>
                          <Anchor component={Link} to={`/sync-runs/${r.id}`} size="sm">
                            {list.find((i) => i.name === r.integration)?.displayName ?? r.integration}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          <StatusBadge status={r.status} size="xs" />
                          {r.error && (
                            <Text size="xs" c="red" lineClamp={1}>
                              {r.error.message}
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>{formatRelative(r.finishedAt ?? r.startedAt ?? r.createdAt)}</Table.Td>
                        <Table.Td ta="right">{formatNumber(r.counts.written)}</Table.Td>
                        <Table.Td ta="right">{formatNumber(r.counts.rejected)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Section>
        </Grid.Col>
      </Grid>
    </>
  );
}
