import {
  Alert,
  Badge,
  Button,
  Group,
  List,
  Modal,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconArrowBackUp, IconListCheck } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type ResponseOf } from '../../api/client.js';
import { integrationApi, integrationKeys } from '../../api/integrations.js';
import { ErrorAlert } from '../../components/QueryState.js';
import { formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';

type Plan = ResponseOf<'/api/v1/segments/{id}/list-sync/plan', 'post'>;
type Run = ResponseOf<'/api/v1/segments/{id}/list-sync', 'post'>;
type Destination = string;

const STATUS_COLOR: Record<string, string> = {
  succeeded: 'teal',
  partial: 'yellow',
  failed: 'red',
  running: 'blue',
  rolled_back: 'gray',
};

function PlanView({ plan }: { plan: Plan }) {
  const sample = (items: string[]) =>
    items.length === 0
      ? '—'
      : `${items.slice(0, 8).join(', ')}${items.length > 8 ? ` and ${items.length - 8} more` : ''}`;
  return (
    <Stack gap="xs" data-testid="list-sync-plan">
      <Text size="sm">
        List “{plan.listName}” {plan.listId ? 'exists' : 'will be created'} in {plan.destination}.
      </Text>
      <Table withRowBorders={false}>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td>Add</Table.Td>
            <Table.Td>{plan.add.length}</Table.Td>
            <Table.Td>{sample(plan.add.map((a) => a.domain))}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Remove</Table.Td>
            <Table.Td>{plan.remove.length}</Table.Td>
            <Table.Td>companies on the list that are no longer members</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Td>Unchanged</Table.Td>
            <Table.Td>{plan.unchanged}</Table.Td>
            <Table.Td />
          </Table.Tr>
        </Table.Tbody>
      </Table>
      {plan.missing.length > 0 && (
        <Alert color="yellow" title={`${plan.missing.length} members are not in the CRM`}>
          {sample(plan.missing.map((m) => m.domain))}. Push the companies to the CRM first (Push page), then
          sync again.
        </Alert>
      )}
    </Stack>
  );
}

/**
 * "Sync to CRM list": preview what a sync would add and remove, run it, undo the latest run, and
 * keep the list in sync by itself after every score run that changes the segment. Members and up;
 * destinations are the connected integrations that push to a CRM.
 */
export function SyncListButton({ segment }: { segment: { id: string; name: string } }) {
  const { can } = useSession();
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [destination, setDestination] = useState<Destination | null>(null);
  const [listName, setListName] = useState(`Beton: ${segment.name}`);
  const integrations = useQuery({
    queryKey: integrationKeys.all,
    queryFn: integrationApi.list,
    enabled: open,
  });
  const runs = useQuery({
    queryKey: ['segments', segment.id, 'list-runs'],
    queryFn: () =>
      api.get('/api/v1/segments/{id}/list-runs', { params: { id: segment.id }, query: { limit: 5 } }),
    enabled: open,
  });
  const autoLists = useQuery({
    queryKey: ['segments', segment.id, 'auto-lists'],
    queryFn: () => api.get('/api/v1/segments/{id}/auto-lists', { params: { id: segment.id } }),
    enabled: open,
  });
  const destinations = (integrations.data?.integrations ?? []).filter(
    (i) => i.roles.includes('destination') && i.status === 'connected',
  );
  const chosen = destination ?? destinations[0]?.name ?? null;
  const body = () => ({ destination: chosen as never, listName: listName.trim() });
  const plan = useMutation({
    mutationFn: () =>
      api.post('/api/v1/segments/{id}/list-sync/plan', { params: { id: segment.id }, body: body() }),
  });
  const sync = useMutation({
    mutationFn: () =>
      api.post('/api/v1/segments/{id}/list-sync', { params: { id: segment.id }, body: body() }),
    onSuccess: () => {
      plan.reset();
      client.invalidateQueries({ queryKey: ['segments', segment.id, 'list-runs'] });
    },
  });
  const undo = useMutation({
    mutationFn: (run: Run) => api.post('/api/v1/segment-list-runs/{id}/rollback', { params: { id: run.id } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['segments', segment.id, 'list-runs'] }),
  });
  const kept = autoLists.data?.items.find((l) => l.destination === chosen);
  const keep = useMutation({
    mutationFn: (on: boolean) =>
      on
        ? api.put('/api/v1/segments/{id}/auto-lists/{destination}', {
            params: { id: segment.id, destination: chosen as never },
            body: { listName: listName.trim() },
          })
        : api.delete('/api/v1/segments/{id}/auto-lists/{destination}', {
            params: { id: segment.id, destination: chosen as never },
          }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['segments', segment.id, 'auto-lists'] });
      client.invalidateQueries({ queryKey: ['segments', segment.id, 'list-runs'] });
    },
  });
  if (!can('member')) return null;
  const latest = runs.data?.items.find(
    (r) => r.kind === 'sync' && (r.status === 'succeeded' || r.status === 'partial'),
  );
  return (
    <>
      <Button variant="default" leftSection={<IconListCheck size={16} />} onClick={() => setOpen(true)}>
        Sync to CRM list
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Sync to a CRM list" size="lg">
        <Stack>
          <Text size="sm" c="dimmed">
            The list mirrors the segment: members missing from it are added, companies that left are removed.
            Preview first; every sync can be undone.
          </Text>
          {integrations.isSuccess && destinations.length === 0 ? (
            <Alert color="yellow">Connect a CRM (Integrations page) to keep a list in sync.</Alert>
          ) : (
            <Group grow align="end">
              <Select
                label="CRM"
                data={destinations.map((d) => ({ value: d.name, label: d.displayName }))}
                value={chosen}
                onChange={(v) => {
                  setDestination(v);
                  plan.reset();
                }}
                allowDeselect={false}
              />
              <TextInput
                label="List name"
                value={listName}
                maxLength={200}
                onChange={(e) => {
                  setListName(e.currentTarget.value);
                  plan.reset();
                }}
              />
            </Group>
          )}
          {chosen && (
            <Switch
              label="Keep in sync after every score run"
              description={
                kept
                  ? `“${kept.listName}” follows the segment: a sync runs after each score run that changes who is in it.`
                  : 'A sync runs now, then after each score run that changes who is in the segment.'
              }
              checked={Boolean(kept)}
              disabled={autoLists.isPending || keep.isPending || !listName.trim()}
              onChange={(e) => keep.mutate(e.currentTarget.checked)}
              data-testid="list-auto-sync"
            />
          )}
          {keep.isError && <ErrorAlert error={keep.error} />}
          {plan.data && <PlanView plan={plan.data} />}
          {plan.isError && <ErrorAlert error={plan.error} />}
          {sync.isError && <ErrorAlert error={sync.error} />}
          {undo.isError && <ErrorAlert error={undo.error} />}
          {sync.data && (
            <Alert
              color={STATUS_COLOR[sync.data.status] ?? 'gray'}
              title={`Sync ${sync.data.status.replace('_', ' ')}`}
            >
              {sync.data.added} added, {sync.data.removed} removed, {sync.data.missing} not in the CRM
              {sync.data.failed > 0 ? `, ${sync.data.failed} failed` : ''}
              {sync.data.error ? `: ${sync.data.error}` : '.'}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => plan.mutate()}
              loading={plan.isPending}
              disabled={!chosen || !listName.trim()}
            >
              Preview
            </Button>
            <Button onClick={() => sync.mutate()} loading={sync.isPending} disabled={!plan.data}>
              Sync now
            </Button>
          </Group>
          {(runs.data?.items.length ?? 0) > 0 && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                Recent runs
              </Text>
              <List size="sm" spacing={4} listStyleType="none">
                {runs.data!.items.map((r) => (
                  <List.Item key={r.id}>
                    <Group gap="xs">
                      <Badge size="xs" color={STATUS_COLOR[r.status] ?? 'gray'} variant="light">
                        {r.kind === 'rollback' ? 'undo' : r.trigger === 'auto' ? 'auto sync' : 'sync'} ·{' '}
                        {r.status.replace('_', ' ')}
                      </Badge>
                      <Text size="xs">
                        “{r.listName}”: +{r.added} −{r.removed} · {formatRelative(r.startedAt)}
                      </Text>
                      {r.id === latest?.id && (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          leftSection={<IconArrowBackUp size={12} />}
                          loading={undo.isPending}
                          onClick={() => undo.mutate(r)}
                        >
                          Undo
                        </Button>
                      )}
                    </Group>
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
        </Stack>
      </Modal>
    </>
  );
}
