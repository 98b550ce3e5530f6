import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  List,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { IconAlertTriangle, IconCloudUpload, IconEye } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../api/client.js';
import { isPushActive, type PushDestination, type PushPlan, pushKeys } from '../../api/push.js';
import { StatusBadge } from '../../components/badges.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { DiffTable } from '../../components/DiffTable.js';
import { Empty } from '../../components/QueryState.js';
import { formatNumber, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';

type Filter = 'all' | 'create' | 'update' | 'reject';

function Stat({ label, value, color }: { label: string; value: number; color?: string }) {
  return (
    <Card withBorder padding="sm" data-testid={`plan-${label.toLowerCase().replace(/\s+/g, '-')}`}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={650} c={color}>
        {formatNumber(value)}
      </Text>
    </Card>
  );
}

function PlanView({ plan }: { plan: PushPlan }) {
  const [filter, setFilter] = useState<Filter>('all');
  const s = plan.summary;
  const items = filter === 'all' ? plan.items : plan.items.filter((i) => i.action === filter);
  return (
    <Stack>
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <Stat label="Creates" value={s.creates} color="teal" />
        <Stat label="Updates" value={s.updates} color="blue" />
        <Stat label="Unchanged" value={s.unchanged} />
        <Stat label="Rejects" value={s.rejects} color={s.rejects ? 'red' : undefined} />
        <Stat label="Fields kept" value={s.keptFields} />
        <Stat label="Write calls" value={s.writes} />
      </SimpleGrid>
      {plan.attributes.conflicts.length > 0 && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title="Attributes with the wrong type"
        >
          <List size="sm">
            {plan.attributes.conflicts.map((c) => (
              <List.Item key={c.attribute}>
                <b>{c.attribute}</b> is a {c.actual} attribute in the CRM; Beton writes {c.expected}. Rename
                or delete it there, then plan again.
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {plan.attributes.create.length > 0 && (
        <Alert color="indigo" variant="light" role="note" title="Attributes Beton will create first">
          {plan.attributes.create.map((a) => `${a.attribute} (${a.type})`).join(', ')}
        </Alert>
      )}
      <Group justify="space-between">
        <SegmentedControl
          size="xs"
          value={filter}
          onChange={(v) => setFilter(v as Filter)}
          data={[
            { value: 'all', label: `All (${plan.items.length})` },
            { value: 'create', label: 'Creates' },
            { value: 'update', label: 'Updates' },
            { value: 'reject', label: 'Rejects' },
          ]}
          aria-label="Show plan items"
        />
        {plan.itemsTotal > plan.items.length && (
          <Text size="xs" c="dimmed">
            Showing the first {formatNumber(plan.items.length)} of {formatNumber(plan.itemsTotal)} records.
          </Text>
        )}
      </Group>
      <Card withBorder p={0}>
        <DiffTable
          empty={
            plan.items.length === 0
              ? 'Nothing to write: the CRM already holds every value Beton would push.'
              : 'No records of this kind in the plan.'
          }
          rows={items.map((item) => ({
            key: item.key,
            title: item.name,
            subtitle: item.key,
            href: `/accounts/${item.accountId}`,
            action: item.action,
            reason: item.reason ?? null,
            changes: item.changes,
            kept: item.kept,
            note: item.retry ? (
              <Tooltip label={`Rejected before (${item.retry.attempts}×): ${item.retry.reason}`}>
                <Badge color="orange" variant="outline" size="xs" ml={4}>
                  retry
                </Badge>
              </Tooltip>
            ) : undefined,
          }))}
        />
      </Card>
    </Stack>
  );
}

/** Dry run, then apply: the diff comes first, and applying is one confirmed step away. */
export function PlanPanel({
  destination,
  displayName,
}: {
  destination: PushDestination;
  displayName: string;
}) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [runId, setRunId] = useState<string | null>(null);

  const plan = useMutation({
    mutationFn: () => api.post('/api/v1/push/{destination}/plan', { params: { destination }, body: {} }),
    meta: { inlineError: true },
  });
  const apply = useMutation({
    mutationFn: () => api.post('/api/v1/push/{destination}/run', { params: { destination }, body: {} }),
    meta: { inlineError: true },
    onSuccess: ({ run }) => {
      setConfirming(false);
      setRunId(run.id);
      // The diff described the CRM before this push; a new dry run shows what is left.
      plan.reset();
      queryClient.invalidateQueries({ queryKey: pushKeys.runs });
    },
  });
  const run = useQuery({
    queryKey: pushKeys.run(runId ?? ''),
    queryFn: () => api.get('/api/v1/push-runs/{id}', { params: { id: runId! }, query: { limit: 0 } }),
    enabled: runId !== null,
    refetchInterval: (q) => (q.state.data && isPushActive(q.state.data.run) ? 1000 : false),
  });
  const current = run.data?.run;
  const finished = current && !isPushActive(current);

  if (!can('member')) {
    return (
      <Empty icon={<IconEye />} title="Viewers see the history only">
        Planning and applying a push needs the member role. The History tab shows every push and what it
        wrote.
      </Empty>
    );
  }

  return (
    <Stack>
      <Card withBorder>
        <Group justify="space-between" align="center">
          <Stack gap={2} maw={620}>
            <Text fw={600}>Preview what Beton would write to {displayName}</Text>
            <Text size="sm" c="dimmed">
              A dry run compares Beton’s scores with the last successful write per company and writes nothing.
              Apply when the diff looks right.
            </Text>
          </Stack>
          <Group>
            <Button
              variant="default"
              leftSection={<IconEye size={16} />}
              onClick={() => plan.mutate()}
              loading={plan.isPending}
            >
              {plan.data ? 'Dry run again' : 'Dry run'}
            </Button>
            <Button
              leftSection={<IconCloudUpload size={16} />}
              onClick={() => setConfirming(true)}
              disabled={!plan.data || (current !== undefined && isPushActive(current))}
              title={!plan.data ? 'Run a dry run first to see what will change' : undefined}
            >
              Apply
            </Button>
          </Group>
        </Group>
      </Card>
      {(plan.error || apply.error) && (
        <Alert color="red" variant="light" role="alert" icon={<IconAlertTriangle size={18} />}>
          {(plan.error ?? apply.error)?.message}
        </Alert>
      )}
      {current && (
        <Alert
          color={
            finished
              ? current.status === 'succeeded'
                ? 'teal'
                : current.status === 'failed'
                  ? 'red'
                  : 'yellow'
              : 'blue'
          }
          variant="light"
          role="status"
          title={
            <Group gap="xs">
              <span>{finished ? 'Push finished' : 'Pushing…'}</span>
              <StatusBadge status={current.status} size="xs" />
            </Group>
          }
        >
          <Text size="sm">
            {formatNumber(current.counts.created)} created · {formatNumber(current.counts.updated)} updated ·{' '}
            {formatNumber(current.counts.unchanged)} unchanged · {formatNumber(current.counts.rejected)}{' '}
            rejected · {formatNumber(current.counts.writes)} write calls
            {current.finishedAt ? ` · finished ${formatRelative(current.finishedAt)}` : ''}
          </Text>
          {current.error && (
            <Text size="sm" c="red">
              {current.error}
            </Text>
          )}
          <Button component={Link} to={`/push/runs/${current.id}`} size="xs" variant="subtle" mt={4} px={0}>
            See what it wrote
          </Button>
        </Alert>
      )}
      {plan.data ? (
        <PlanView plan={plan.data.plan} />
      ) : (
        !plan.isPending && (
          <Empty icon={<IconCloudUpload />} title="No dry run yet">
            Press “Dry run” to see which companies Beton would create or update in {displayName}, field by
            field.
          </Empty>
        )
      )}
      <ConfirmModal
        opened={confirming}
        title={`Push to ${displayName}?`}
        confirmLabel="Apply push"
        color="indigo"
        onConfirm={() => apply.mutate()}
        onClose={() => setConfirming(false)}
        pending={apply.isPending}
      >
        {plan.data && (
          <>
            Beton will create {formatNumber(plan.data.plan.summary.creates)} and update{' '}
            {formatNumber(plan.data.plan.summary.updates)} companies (about{' '}
            {formatNumber(plan.data.plan.summary.writes)} write calls). Values a person set stay as they are
            under the default policy. You can roll the run back from History.
          </>
        )}
      </ConfirmModal>
    </Stack>
  );
}
