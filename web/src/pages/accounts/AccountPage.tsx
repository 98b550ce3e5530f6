import { LineChart } from '@mantine/charts';
import {
  Accordion,
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Code,
  Grid,
  Group,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Timeline,
  Title,
  Tooltip,
} from '@mantine/core';
import {
  IconArrowDownRight,
  IconArrowUpRight,
  IconClock,
  IconExternalLink,
  IconLink,
  IconUser,
} from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router-dom';
import { type AccountDetail, type AccountSignal, DIRECTION_COLOR, type Driver } from '../../api/accounts.js';
import { api } from '../../api/client.js';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { GradeBadge } from '../../components/badges.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { formatDate, formatDateTime, formatNumber, formatRelative, humanize } from '../../lib/format.js';
import { AccountPeople } from './AccountPeople.js';
import { ScoreNowButton } from './ScoreNowButton.js';
import { SignalSnooze } from './SignalSnooze.js';

type Scores = NonNullable<AccountDetail['scores']>;

function ScoreCard({
  label,
  value,
  hint,
  inverse = false,
}: {
  label: string;
  value: number | null;
  hint: string;
  inverse?: boolean;
}) {
  const v = value == null ? null : Math.round(value);
  const good = v == null ? 0 : inverse ? 100 - v : v;
  const color = v == null ? 'gray' : good >= 60 ? 'teal' : good >= 40 ? 'yellow' : 'red';
  return (
    <Card withBorder padding="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} fz={28} c={v == null ? 'dimmed' : undefined}>
        {v ?? '—'}
      </Text>
      <Progress
        value={v ?? 0}
        color={color}
        size="sm"
        my={6}
        aria-label={`${label} ${v ?? 'unknown'} of 100`}
      />
      <Text size="xs" c="dimmed">
        {hint}
      </Text>
    </Card>
  );
}

function Drivers({
  title,
  score,
  drivers,
  direction,
}: {
  title: string;
  score: number;
  drivers: Driver[];
  direction: 'expansion' | 'churn';
}) {
  return (
    <Card withBorder>
      <Group justify="space-between" mb="sm">
        <Title order={3} size="h5">
          {title}
        </Title>
        <Badge variant="light" color={DIRECTION_COLOR[direction]}>
          {Math.round(score)}
        </Badge>
      </Group>
      {drivers.length === 0 ? (
        <Text size="sm" c="dimmed">
          {direction === 'churn'
            ? 'No churn signal fired, so churn risk stays at its floor.'
            : 'No expansion signal fired recently.'}
        </Text>
      ) : (
        <Stack gap="sm">
          {drivers.map((d) => (
            <div key={d.key}>
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <Text size="sm" fw={600}>
                  {d.title}
                </Text>
                <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                  {Math.round(d.share)}% of the score
                </Text>
              </Group>
              <Progress value={d.share} color={DIRECTION_COLOR[direction]} size="xs" my={4} aria-hidden />
              {d.explanation && <Text size="sm">{d.explanation}</Text>}
              <Text size="xs" c="dimmed">
                Strength {d.strength.toFixed(2)} ·{' '}
                {d.ageDays === 0 ? 'today' : `${formatNumber(d.ageDays)} days ago`} (older signals count less)
              </Text>
            </div>
          ))}
        </Stack>
      )}
    </Card>
  );
}

interface FitCriterion {
  name: string;
  weight: number;
  match: number;
  value: string | number | null;
  expected: string;
}

const isCriterion = (c: unknown): c is FitCriterion =>
  typeof c === 'object' && c !== null && 'name' in c && 'match' in c && 'expected' in c;

function HealthAndFit({ scores }: { scores: Scores }) {
  const { health, fit } = scores.explanation;
  const criteria = fit.criteria.filter(isCriterion);
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="sm">
        Health and fit
      </Title>
      <Stack gap="xs">
        <Text size="sm">
          <b>Health {Math.round(health.score)}</b>
          {health.engagementDetail
            ? ` — ${formatNumber(health.engagementDetail.users)} active users, ${formatNumber(health.engagementDetail.events28)} events in 28 days, active ${health.engagementDetail.activeWeeks} of the last 4 weeks`
            : ' — no product usage seen yet'}
          {`; sentiment ${Math.round(health.sentiment)}.`}
        </Text>
        <Text size="sm">
          <b>Fit {fit.score == null ? 'unknown' : Math.round(fit.score)}</b>
          {fit.reason ? ` — ${fit.reason}` : ''}
        </Text>
        {fit.score == null && criteria.length === 0 && (
          <Text size="sm" c="dimmed">
            Fit compares the company’s firmographics with the ideal customer profile in{' '}
            <Anchor component={Link} to="/settings/scoring" size="sm">
              Settings › Scoring
            </Anchor>
            .
          </Text>
        )}
        {criteria.length > 0 && (
          <Table verticalSpacing={4} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Criterion</Table.Th>
                <Table.Th>This account</Table.Th>
                <Table.Th>Your ICP</Table.Th>
                <Table.Th ta="right">Match</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {criteria.map((c) => (
                <Table.Tr key={c.name}>
                  <Table.Td>{humanize(c.name)}</Table.Td>
                  <Table.Td>
                    {c.value == null ? '—' : typeof c.value === 'number' ? formatNumber(c.value) : c.value}
                  </Table.Td>
                  <Table.Td>{c.expected}</Table.Td>
                  <Table.Td ta="right">{Math.round(c.match * 100)}%</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}

/**
 * Score snapshots are change points (a row only on days a score changed): carry each forward so
 * the chart has one point per day, up to today.
 */
function daily(history: AccountDetail['history'], today = new Date().toISOString().slice(0, 10)) {
  if (history.length === 0) return [];
  const byDay = new Map(history.map((h) => [h.day, h]));
  const end = Math.max(Date.parse(today), Date.parse(history[history.length - 1]!.day));
  const out: AccountDetail['history'] = [];
  let current = history[0]!;
  for (let ms = Date.parse(history[0]!.day); ms <= end; ms += 86_400_000) {
    const day = new Date(ms).toISOString().slice(0, 10);
    current = byDay.get(day) ?? current;
    out.push({ ...current, day });
  }
  return out;
}

function History({ history }: { history: AccountDetail['history'] }) {
  const points = daily(history);
  if (points.length < 2) {
    return (
      <Text size="sm" c="dimmed">
        The chart appears once the account has scores on two days; Beton records a change each day it
        rescores.
      </Text>
    );
  }
  return (
    <LineChart
      h={260}
      data={points.map((h) => ({ ...h, day: h.day.slice(5) }))}
      dataKey="day"
      withLegend
      yAxisProps={{ domain: [0, 100] }}
      curveType="stepAfter"
      withDots={false}
      series={[
        { name: 'score', label: 'Overall', color: 'indigo.6' },
        { name: 'health', label: 'Health', color: 'teal.6' },
        { name: 'expansion', label: 'Expansion', color: 'green.5' },
        { name: 'churnRisk', label: 'Churn risk', color: 'red.6' },
      ]}
    />
  );
}

function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  const entries = Object.entries(evidence).slice(0, 8);
  if (entries.length === 0) return null;
  return (
    <Group gap={6} mt={4}>
      {entries.map(([k, v]) => (
        <Code key={k} fz="xs" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxWidth: '100%' }}>
          {humanize(k)}:{' '}
          {Array.isArray(v)
            ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')
            : typeof v === 'object' && v !== null
              ? JSON.stringify(v)
              : String(v)}
        </Code>
      ))}
    </Group>
  );
}

function SignalTimeline({ accountId, signals }: { accountId: string; signals: AccountSignal[] }) {
  if (signals.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No signal has fired for this account.
      </Text>
    );
  }
  return (
    <Timeline bulletSize={22} lineWidth={2}>
      {signals.map((s) => (
        <Timeline.Item
          key={s.id}
          color={DIRECTION_COLOR[s.direction ?? ''] ?? 'gray'}
          bullet={
            s.direction === 'churn' ? (
              <IconArrowDownRight size={13} />
            ) : s.direction === 'expansion' ? (
              <IconArrowUpRight size={13} />
            ) : (
              <IconClock size={13} />
            )
          }
          title={
            <Group gap="xs" w="100%">
              <Text size="sm" fw={600}>
                {s.title}
              </Text>
              <Tooltip label={formatDateTime(s.occurredAt)}>
                <Text size="xs" c="dimmed">
                  {formatDate(s.occurredAt)}
                </Text>
              </Tooltip>
              {s.origin === 'replay' && (
                <Tooltip label="Found by replaying history (backtest), not live">
                  <Badge size="xs" variant="outline" color="gray">
                    history
                  </Badge>
                </Tooltip>
              )}
              <SignalSnooze accountId={accountId} signal={s.key} snooze={s.snooze} />
            </Group>
          }
        >
          <Text size="sm">{s.explanation}</Text>
          <Evidence evidence={s.evidence} />
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

/** Source records grouped by where they came from; each group opens to list its record ids. */
function Links({ links }: { links: AccountDetail['links'] }) {
  const integrations = useQuery({ queryKey: integrationKeys.all, queryFn: integrationApi.list });
  const displayName = (name: string) =>
    integrations.data?.integrations.find((i) => i.name === name)?.displayName ?? humanize(name);
  if (links.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        No source records are linked.
      </Text>
    );
  }
  const groups = new Map<string, AccountDetail['links']>();
  for (const l of links) {
    const key = `${l.integration} · ${l.stream}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return (
    <Accordion variant="separated" multiple chevronPosition="left">
      {[...groups.entries()].map(([key, items]) => (
        <Accordion.Item key={key} value={key}>
          <Accordion.Control>
            <Group justify="space-between" wrap="nowrap">
              <Text size="sm">
                {displayName(items[0]!.integration)} · {humanize(items[0]!.stream)}
              </Text>
              <Badge variant="light" color="gray">
                {formatNumber(items.length)}
              </Badge>
            </Group>
          </Accordion.Control>
          <Accordion.Panel>
            <Stack gap={6}>
              {items.slice(0, 100).map((l) => (
                <Group key={l.externalId} gap={6} wrap="nowrap" justify="space-between">
                  <Code fz="xs" style={{ wordBreak: 'break-all' }}>
                    {l.externalId}
                  </Code>
                  <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                    {humanize(l.method)}
                    {l.via ? ` (${l.via})` : ''}
                    {l.manual ? ' · by hand' : ''}
                  </Text>
                </Group>
              ))}
              {items.length > 100 && (
                <Text size="xs" c="dimmed">
                  …and {formatNumber(items.length - 100)} more.
                </Text>
              )}
            </Stack>
          </Accordion.Panel>
        </Accordion.Item>
      ))}
    </Accordion>
  );
}

/** Who owns the account in the CRM, linking to all of their accounts. */
function Owner({ owner }: { owner: AccountDetail['account']['owner'] }) {
  if (!owner)
    return (
      <Tooltip label="No connected CRM assigns this company to anyone" withArrow>
        <Text span size="sm" c="dimmed">
          no owner
        </Text>
      </Tooltip>
    );
  return (
    <Tooltip label={`${owner.email}${owner.source ? ` · from ${humanize(owner.source)}` : ''}`} withArrow>
      <Anchor
        component={Link}
        to={`/accounts?owner=${encodeURIComponent(owner.email)}`}
        size="sm"
        data-testid="account-owner"
      >
        <IconUser size={14} style={{ verticalAlign: '-2px' }} /> {owner.name ?? owner.email}
      </Anchor>
    </Tooltip>
  );
}

function AccountView({ detail }: { detail: AccountDetail }) {
  const { account, scores } = detail;
  return (
    <>
      <Breadcrumbs mb="xs">
        <Anchor component={Link} to="/accounts" size="sm">
          Accounts
        </Anchor>
        <Text size="sm">{account.name}</Text>
      </Breadcrumbs>
      <PageHeader
        title={
          <Group gap="sm">
            <span>{account.name}</span>
            <GradeBadge grade={scores?.grade} />
          </Group>
        }
        description={
          <>
            <Anchor href={`https://${account.domain}`} target="_blank" rel="noreferrer" size="sm">
              {account.domain}
            </Anchor>
            {account.signupAt ? ` · signed up ${formatDate(account.signupAt)}` : ''}
            {scores ? ` · scored ${formatRelative(scores.scoredAt)}` : ''}
            {' · '}
            <Owner owner={account.owner} />
          </>
        }
        actions={detail.crmLinks.map((l) => (
          <Button
            key={l.integration}
            variant="default"
            component="a"
            href={l.url}
            target="_blank"
            rel="noreferrer"
            leftSection={<IconExternalLink size={16} />}
          >
            Open in {l.label}
          </Button>
        ))}
      />
      {!scores ? (
        <Empty icon={<IconLink />} title="Not scored yet" action={<ScoreNowButton />}>
          This account exists but has no scores: run a score run to detect its signals and score it.
        </Empty>
      ) : (
        <Stack>
          <Card withBorder bg="var(--mantine-color-indigo-light)">
            <Text size="xs" tt="uppercase" fw={600} c="dimmed">
              Why {scores.grade} (overall {Math.round(scores.score)})
            </Text>
            <Text size="md" mt={4} data-testid="score-summary">
              {scores.explanation.summary}
            </Text>
          </Card>
          <SimpleGrid cols={{ base: 2, md: 4 }}>
            <ScoreCard label="Health" value={scores.health} hint="Usage and sentiment" />
            <ScoreCard label="Expansion" value={scores.expansion} hint="Likelihood to grow" />
            <ScoreCard label="Churn risk" value={scores.churnRisk} hint="Higher is riskier" inverse />
            <ScoreCard label="Fit" value={scores.fit} hint="Match with your ICP" />
          </SimpleGrid>
          <Grid>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Stack>
                <Drivers
                  title="What drives expansion"
                  score={scores.expansion}
                  drivers={scores.explanation.expansion.drivers}
                  direction="expansion"
                />
                <Drivers
                  title="What drives churn risk"
                  score={scores.churnRisk}
                  drivers={scores.explanation.churnRisk.drivers}
                  direction="churn"
                />
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Stack>
                <HealthAndFit scores={scores} />
                <Card withBorder>
                  <Title order={3} size="h5" mb="sm">
                    Score history
                  </Title>
                  <History history={detail.history} />
                </Card>
              </Stack>
            </Grid.Col>
          </Grid>
        </Stack>
      )}
      <Grid mt="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card withBorder h="100%">
            <Title order={3} size="h5" mb="md">
              Signal timeline
            </Title>
            <SignalTimeline accountId={account.id} signals={detail.signals} />
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder h="100%">
            <Title order={3} size="h5" mb="sm">
              Source records ({formatNumber(detail.links.length)})
            </Title>
            <Links links={detail.links} />
          </Card>
        </Grid.Col>
      </Grid>
      <Card withBorder mt="md">
        <Title order={3} size="h5" mb="sm">
          People
        </Title>
        <AccountPeople accountId={account.id} />
      </Card>
    </>
  );
}

export function AccountPage() {
  const { id = '' } = useParams();
  const detail = useQuery({
    queryKey: ['accounts', 'detail', id],
    queryFn: () => api.get('/api/v1/accounts/{id}', { params: { id }, query: { historyDays: 90 } }),
  });
  return (
    <QueryState query={detail} loadingLabel="Loading the account…">
      {(d) => <AccountView detail={d} />}
    </QueryState>
  );
}
