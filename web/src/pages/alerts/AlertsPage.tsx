import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { IconBell, IconPlus, IconRefresh, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, ErrorAlert, Loading } from '../../components/QueryState.js';
import { formatDateTime, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';
import { AlertRuleModal } from './AlertRuleModal.js';

const STATUS_COLOR: Record<string, string> = {
  sent: 'teal',
  queued: 'blue',
  sending: 'blue',
  failed: 'red',
  suppressed: 'gray',
  digest: 'violet',
};

const REASON_TEXT: Record<string, string> = {
  not_in_channel: 'the bot is not in the channel: invite it, then retry',
  channel_not_found: 'the channel does not exist (any more)',
  is_archived: 'the channel is archived',
  quiet_hours: 'waiting for quiet hours to end',
  snoozed: 'snoozed by someone for 30 days',
  cooldown: 'reopened inside the rule’s cool-down',
  over_cap: 'over the rule’s cap: in the next digest',
  ratelimited: 'rate limited: retrying as the service asked',
  owner_unknown: 'the account has no owner in a connected CRM',
  owner_not_found: 'nobody on the messaging service has the owner’s e-mail',
};

function RulesTab() {
  const { can } = useSession();
  const client = useQueryClient();
  const [creating, setCreating] = useState(false);
  const rules = useQuery({ queryKey: ['alerts', 'rules'], queryFn: () => api.get('/api/v1/alerts/rules') });
  const toggle = useMutation({
    mutationFn: (v: { id: string; enabled: boolean }) =>
      api.patch('/api/v1/alerts/rules/{id}', { params: { id: v.id }, body: { enabled: v.enabled } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alerts', 'rules'] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.delete('/api/v1/alerts/rules/{id}', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alerts', 'rules'] }),
  });
  return (
    <Stack>
      {can('admin') && (
        <Group justify="flex-end">
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            New rule
          </Button>
        </Group>
      )}
      <AlertRuleModal opened={creating} onClose={() => setCreating(false)} />
      {rules.isPending ? (
        <Loading label="Loading rules…" />
      ) : rules.isError ? (
        <ErrorAlert error={rules.error} onRetry={() => rules.refetch()} />
      ) : rules.data.items.length === 0 ? (
        <Empty icon={<IconBell />} title="No alert rules yet">
          A rule sends a message when a signal opens on an account that matches it.
        </Empty>
      ) : (
        <Card withBorder p={0}>
          <Table verticalSpacing="sm" aria-label="Alert rules">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Rule</Table.Th>
                <Table.Th>Signals</Table.Th>
                <Table.Th>To</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th ta="right">{can('admin') ? 'On' : ''}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rules.data.items.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td fw={600}>{r.name}</Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {[...r.signals.directions, ...r.signals.keys].join(', ') || 'every signal'}
                      {r.minGrade ? ` · grade ≥ ${r.minGrade}` : ''}
                      {r.filter?.owner ? ` · owned by ${r.filter.owner.replaceAll(',', ', ')}` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {r.destination.kind === 'channel' ? (
                      r.destination.channelId
                    ) : (
                      <Text size="sm">Account owner (direct message)</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">
                      {r.quietHours
                        ? `quiet ${r.quietHours.start}–${r.quietHours.end} ${r.quietHours.timeZone}`
                        : 'any time'}
                      {r.capPerRun ? ` · at most ${r.capPerRun} per run` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {can('admin') && (
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Switch
                          size="xs"
                          checked={r.enabled}
                          aria-label={`${r.enabled ? 'Disable' : 'Enable'} ${r.name}`}
                          onChange={(e) => toggle.mutate({ id: r.id, enabled: e.currentTarget.checked })}
                        />
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${r.name}`}
                          onClick={() => remove.mutate(r.id)}
                        >
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
    </Stack>
  );
}

function HistoryTab() {
  const { can } = useSession();
  const client = useQueryClient();
  const alerts = useQuery({
    queryKey: ['alerts', 'history'],
    queryFn: () => api.get('/api/v1/alerts', { query: { limit: 100 } }),
  });
  const retry = useMutation({
    mutationFn: (id: string) => api.post('/api/v1/alerts/{id}/retry', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alerts', 'history'] }),
  });
  if (alerts.isPending) return <Loading label="Loading alerts…" />;
  if (alerts.isError) return <ErrorAlert error={alerts.error} onRetry={() => alerts.refetch()} />;
  if (alerts.data.items.length === 0)
    return (
      <Empty icon={<IconBell />} title="No alerts yet">
        Alerts appear here after a score run opens a signal that a rule matches.
      </Empty>
    );
  return (
    <Card withBorder p={0}>
      <Table verticalSpacing="sm" aria-label="Alert history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Account</Table.Th>
            <Table.Th>Signal</Table.Th>
            <Table.Th>Rule</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Feedback</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {alerts.data.items.map((a) => (
            <Table.Tr key={a.id}>
              <Table.Td>
                <Tooltip label={formatDateTime(a.createdAt)}>
                  <Text size="sm">{formatRelative(a.createdAt)}</Text>
                </Tooltip>
              </Table.Td>
              <Table.Td>{a.accountName ?? a.accountId}</Table.Td>
              <Table.Td>{a.signalKey}</Table.Td>
              <Table.Td>{a.ruleName ?? '(deleted rule)'}</Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Badge color={STATUS_COLOR[a.status] ?? 'gray'} variant="light">
                    {a.status}
                  </Badge>
                  {a.reason && (
                    <Tooltip label={a.errorMessage ?? REASON_TEXT[a.reason] ?? a.reason} multiline maw={360}>
                      <Text size="xs" c={a.status === 'failed' ? 'red' : 'dimmed'}>
                        {a.reason}
                      </Text>
                    </Tooltip>
                  )}
                  {a.status === 'failed' && can('admin') && (
                    <ActionIcon
                      size="sm"
                      variant="subtle"
                      aria-label={`Retry alert for ${a.accountName ?? a.accountId}`}
                      onClick={() => retry.mutate(a.id)}
                    >
                      <IconRefresh size={14} />
                    </ActionIcon>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="xs">
                  {a.verdicts.map((v) => `${v.actor}: ${v.verdict.replace('_', ' ')}`).join(', ') || '—'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

function DigestsTab() {
  const { can } = useSession();
  const client = useQueryClient();
  const digests = useQuery({
    queryKey: ['alerts', 'digests'],
    queryFn: () => api.get('/api/v1/alerts/digests'),
  });
  const send = useMutation({
    mutationFn: (id: string) => api.post('/api/v1/alerts/digests/{id}/send', { params: { id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['alerts', 'digests'] }),
  });
  if (digests.isPending) return <Loading label="Loading digests…" />;
  if (digests.isError) return <ErrorAlert error={digests.error} onRetry={() => digests.refetch()} />;
  if (digests.data.items.length === 0)
    return (
      <Empty icon={<IconBell />} title="No digests yet">
        Schedule one with <code>beton alerts digest create</code> or POST /api/v1/alerts/digests.
      </Empty>
    );
  return (
    <Stack>
      {send.data && (
        <Text size="sm" role="status">
          {send.data.status === 'empty'
            ? 'Nothing new since the last digest: nothing was sent.'
            : `Digest ${send.data.status}${
                send.data.owners
                  ? ` to ${send.data.owners.filter((o) => o.sent.length > 0).length} of ${send.data.owners.length} owners with news`
                  : ''
              }.`}
          {send.data.error ? ` ${send.data.error}` : ''}
        </Text>
      )}
      {send.isError && <ErrorAlert error={send.error} />}
      <Card withBorder p={0}>
        <Table verticalSpacing="sm" aria-label="Digests">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Digest</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>To</Table.Th>
              <Table.Th>Last period</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {digests.data.items.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td fw={600}>{d.name}</Table.Td>
                <Table.Td>
                  {d.frequency} at {String(d.hour).padStart(2, '0')}:00 {d.timeZone}
                </Table.Td>
                <Table.Td>
                  {d.scope === 'owner'
                    ? `each account owner (${d.ownerVia.map((v) => (v === 'message' ? 'direct message' : 'e-mail')).join(', ')})`
                    : [d.channelId, ...d.emails].filter(Boolean).join(', ')}
                </Table.Td>
                <Table.Td>{d.lastPeriodEnd ? formatRelative(d.lastPeriodEnd) : '—'}</Table.Td>
                <Table.Td>
                  {can('admin') && (
                    <Button
                      size="xs"
                      variant="default"
                      loading={send.isPending}
                      onClick={() => send.mutate(d.id)}
                    >
                      Send now
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
    </Stack>
  );
}

/** Alert rules, the alerts they sent (status, the service's error, people's verdicts) and digests. */
export function AlertsPage() {
  return (
    <>
      <PageHeader
        title="Alerts"
        description="Messages to your team's chat when a signal opens on an account a rule matches, each sent once; feedback from the message's buttons; daily or weekly digests."
      />
      <Tabs defaultValue="rules" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="rules">Rules</Tabs.Tab>
          <Tabs.Tab value="history">History</Tabs.Tab>
          <Tabs.Tab value="digests">Digests</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="rules">
          <RulesTab />
        </Tabs.Panel>
        <Tabs.Panel value="history">
          <HistoryTab />
        </Tabs.Panel>
        <Tabs.Panel value="digests">
          <Title order={2} size="h4" mb="sm" hidden>
            Digests
          </Title>
          <DigestsTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
