import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconCheck,
  IconCopy,
  IconKey,
  IconPlus,
  IconSend,
  IconTrash,
  IconWebhook,
} from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type ResponseOf } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { PageHeader } from '../../components/PageHeader.js';
import { Empty, QueryState } from '../../components/QueryState.js';
import { formatDateTime, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';

type Endpoint = ResponseOf<'/api/v1/webhook-endpoints', 'get'>['items'][number];
type Delivery = ResponseOf<'/api/v1/webhook-deliveries', 'get'>['items'][number];
type EventType = Endpoint['eventTypes'][number];

const EVENT_TYPES: { value: EventType; label: string }[] = [
  { value: 'signal.opened', label: 'signal.opened — a signal fired for an account' },
  { value: 'signal.closed', label: 'signal.closed — a signal stopped' },
  { value: 'account.grade_changed', label: 'account.grade_changed — an account moved grade' },
  { value: 'push.completed', label: 'push.completed — a CRM push run finished' },
  { value: 'sync.failed', label: 'sync.failed — a sync run failed' },
];

const STATUS_COLOR: Record<Delivery['status'], string> = {
  pending: 'yellow',
  sending: 'blue',
  succeeded: 'teal',
  failed: 'red',
};

/** The body as sent, indented for reading (it is signed compact; this is display only). */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const invalidate = (queryClient: ReturnType<typeof useQueryClient>) =>
  Promise.all([
    queryClient.invalidateQueries({ queryKey: ['webhook-endpoints'] }),
    queryClient.invalidateQueries({ queryKey: ['webhook-deliveries'] }),
  ]);

/** A signing secret, shown once with a copy button. */
function SecretOnce({ secret, children }: { secret: string; children?: React.ReactNode }) {
  return (
    <Stack>
      <Alert color="yellow" variant="light">
        This is the only time the signing secret is shown. Store it in your receiver now; it verifies each
        message’s <Code>webhook-signature</Code> (see docs/webhooks.md). If you lose it, rotate it.
      </Alert>
      <Group gap="xs" wrap="nowrap">
        <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="webhook-secret">
          {secret}
        </Code>
        <CopyButton value={secret}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : 'Copy secret'}>
              <ActionIcon variant="light" size="lg" onClick={copy} aria-label="Copy secret">
                {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
      {children}
    </Stack>
  );
}

function CreateEndpointModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [eventTypes, setEventTypes] = useState<string[]>(['signal.opened']);
  const create = useMutation({
    mutationFn: () =>
      api.post('/api/v1/webhook-endpoints', {
        body: { url: url.trim(), description: description.trim(), eventTypes: eventTypes as EventType[] },
      }),
    meta: { inlineError: true },
    onSuccess: () => invalidate(queryClient),
  });
  const clear = () => {
    create.reset();
    setUrl('');
    setDescription('');
    setEventTypes(['signal.opened']);
  };
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      onExitTransitionEnd={clear}
      closeOnClickOutside={!create.data}
      title={create.data ? 'Copy the signing secret' : 'Add a webhook endpoint'}
      size="lg"
    >
      {create.data ? (
        <SecretOnce secret={create.data.secret}>
          <Group justify="flex-end">
            <Button onClick={onClose}>I have stored it</Button>
          </Group>
        </SecretOnce>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack>
            {create.isError && (
              <Alert color="red" variant="light" role="alert">
                {errorMessage(create.error)}
              </Alert>
            )}
            <TextInput
              label="Endpoint URL"
              description="Beton POSTs signed JSON here. Public https only, unless the operator allows private hosts."
              placeholder="https://example.com/webhooks/beton"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              required
              data-autofocus
            />
            <Textarea
              label="Description"
              description="What listens here, e.g. “Start an outreach sequence”."
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              autosize
              minRows={1}
            />
            <Checkbox.Group
              label="Events"
              description="Choose at least one."
              value={eventTypes}
              onChange={setEventTypes}
            >
              <Stack gap={6} mt={6}>
                {EVENT_TYPES.map((t) => (
                  <Checkbox key={t.value} value={t.value} label={t.label} />
                ))}
              </Stack>
            </Checkbox.Group>
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button
                type="submit"
                loading={create.isPending}
                disabled={!url.trim() || eventTypes.length === 0}
              >
                Add endpoint
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function EndpointCard({ endpoint, canWrite }: { endpoint: Endpoint; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState(false);
  const [rotating, setRotating] = useState(false);
  const params = { params: { id: endpoint.id } };
  const test = useMutation({
    mutationFn: () => api.post('/api/v1/webhook-endpoints/{id}/test', params),
    meta: { successMessage: 'Test event queued; its result appears in the delivery log.' },
    onSettled: () => invalidate(queryClient),
  });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      api.patch('/api/v1/webhook-endpoints/{id}', { ...params, body: { enabled } }),
    onSettled: () => invalidate(queryClient),
  });
  const remove = useMutation({
    mutationFn: () => api.delete('/api/v1/webhook-endpoints/{id}', params),
    meta: { successMessage: 'Endpoint removed' },
    onSuccess: () => setDeleting(false),
    onSettled: () => invalidate(queryClient),
  });
  const rotate = useMutation({
    mutationFn: () => api.post('/api/v1/webhook-endpoints/{id}/rotate-secret', { ...params, body: {} }),
    meta: { inlineError: true },
    onSuccess: () => invalidate(queryClient),
  });

  return (
    <Card withBorder data-testid="webhook-endpoint">
      <Stack gap="sm">
        {endpoint.disabledReason && (
          <Alert
            color="red"
            variant="light"
            icon={<IconAlertTriangle size={18} />}
            title="Disabled after repeated failure"
            role="alert"
          >
            <Stack gap="xs">
              <Text size="sm">{endpoint.disabledReason}</Text>
              {canWrite && (
                <Group>
                  <Button
                    size="xs"
                    color="red"
                    variant="light"
                    onClick={() => test.mutate()}
                    loading={test.isPending}
                  >
                    Send test event
                  </Button>
                  <Button size="xs" onClick={() => toggle.mutate(true)} loading={toggle.isPending}>
                    Enable again
                  </Button>
                </Group>
              )}
            </Stack>
          </Alert>
        )}
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Text fw={600} style={{ wordBreak: 'break-all' }}>
              {endpoint.url}
            </Text>
            {endpoint.description && (
              <Text size="sm" c="dimmed">
                {endpoint.description}
              </Text>
            )}
          </Stack>
          <Badge color={endpoint.enabled ? 'teal' : 'gray'} variant="light">
            {endpoint.enabled ? 'Enabled' : 'Disabled'}
          </Badge>
        </Group>
        <Group gap={6}>
          {endpoint.eventTypes.map((t) => (
            <Badge key={t} variant="outline" tt="none">
              {t}
            </Badge>
          ))}
        </Group>
        <Text size="sm" c="dimmed">
          Secret <Code>{endpoint.secretHint}</Code>
          {endpoint.previousSecretExpiresAt &&
            ` · the previous secret also signs until ${formatDateTime(endpoint.previousSecretExpiresAt)}`}
          {endpoint.failingSince &&
            !endpoint.disabledReason &&
            ` · failing since ${formatRelative(endpoint.failingSince)} (disabled after 5 days of failure)`}
        </Text>
        {canWrite && (
          <Group gap="xs">
            <Button
              size="xs"
              variant="light"
              leftSection={<IconSend size={14} />}
              onClick={() => test.mutate()}
              loading={test.isPending}
            >
              Send test event
            </Button>
            <Button
              size="xs"
              variant="default"
              leftSection={<IconKey size={14} />}
              onClick={() => setRotating(true)}
            >
              Rotate secret
            </Button>
            {!endpoint.disabledReason && (
              <Button
                size="xs"
                variant="default"
                onClick={() => toggle.mutate(!endpoint.enabled)}
                loading={toggle.isPending}
              >
                {endpoint.enabled ? 'Disable' : 'Enable'}
              </Button>
            )}
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label={`Remove ${endpoint.url}`}
              onClick={() => setDeleting(true)}
            >
              <IconTrash size={16} />
            </ActionIcon>
          </Group>
        )}
      </Stack>
      <ConfirmModal
        opened={deleting}
        title="Remove this endpoint?"
        confirmLabel="Remove endpoint"
        onConfirm={() => remove.mutate()}
        onClose={() => setDeleting(false)}
        pending={remove.isPending}
      >
        Beton stops sending to {endpoint.url} and deletes its delivery log.
      </ConfirmModal>
      <Modal
        opened={rotating}
        onClose={() => setRotating(false)}
        onExitTransitionEnd={() => rotate.reset()}
        title={rotate.data ? 'Copy the new signing secret' : 'Rotate the signing secret?'}
        size="lg"
      >
        {rotate.data ? (
          <SecretOnce secret={rotate.data.secret}>
            <Text size="sm" c="dimmed">
              For 24 hours every message carries signatures with both the old and the new secret, so your
              receiver verifies either while you update it.
            </Text>
            <Group justify="flex-end">
              <Button onClick={() => setRotating(false)}>I have stored it</Button>
            </Group>
          </SecretOnce>
        ) : (
          <Stack>
            {rotate.isError && (
              <Alert color="red" variant="light" role="alert">
                {errorMessage(rotate.error)}
              </Alert>
            )}
            <Text size="sm">
              A new secret is made and shown once. The old one keeps signing beside it for 24 hours.
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRotating(false)}>
                Cancel
              </Button>
              <Button onClick={() => rotate.mutate()} loading={rotate.isPending}>
                Rotate secret
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}

function DeliveryModal({
  deliveryId,
  canWrite,
  onClose,
}: {
  deliveryId: string | null;
  canWrite: boolean;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: ['webhook-deliveries', 'detail', deliveryId],
    queryFn: () => api.get('/api/v1/webhook-deliveries/{id}', { params: { id: deliveryId! } }),
    enabled: deliveryId !== null,
    refetchInterval: (q) =>
      q.state.data?.status === 'pending' || q.state.data?.status === 'sending' ? 2_000 : false,
  });
  const redeliver = useMutation({
    mutationFn: () => api.post('/api/v1/webhook-deliveries/{id}/redeliver', { params: { id: deliveryId! } }),
    meta: { successMessage: 'Redelivery queued' },
    onSettled: () => invalidate(queryClient),
  });
  return (
    <Modal opened={deliveryId !== null} onClose={onClose} title="Delivery" size="xl">
      <QueryState query={detail} loadingLabel="Loading the delivery…">
        {(d) => (
          <Stack>
            <Group justify="space-between">
              <Group gap="xs">
                <Badge color={STATUS_COLOR[d.status]}>{d.status}</Badge>
                <Code>{d.eventType}</Code>
                <Text size="sm" c="dimmed">
                  webhook-id <Code>{d.messageId}</Code>
                </Text>
              </Group>
              {canWrite && (
                <Button
                  size="xs"
                  onClick={() => redeliver.mutate()}
                  loading={redeliver.isPending}
                  disabled={d.status === 'sending'}
                >
                  Redeliver
                </Button>
              )}
            </Group>
            {d.nextAttemptAt && <Text size="sm">Next attempt {formatDateTime(d.nextAttemptAt)}.</Text>}
            <Table verticalSpacing="xs" data-testid="attempt-log">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Answer</Table.Th>
                  <Table.Th>Took</Table.Th>
                  <Table.Th>Next try</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.attemptLog.map((a) => (
                  <Table.Tr key={a.attempt + a.startedAt}>
                    <Table.Td>
                      {a.attempt}
                      {a.trigger === 'manual' ? ' (manual)' : ''}
                    </Table.Td>
                    <Table.Td>{formatDateTime(a.startedAt)}</Table.Td>
                    <Table.Td>
                      {a.statusCode !== null ? <Code>HTTP {a.statusCode}</Code> : null}{' '}
                      {a.error && (
                        <Text size="xs" c="red">
                          {a.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{a.durationMs} ms</Table.Td>
                    <Table.Td>{a.nextAttemptAt ? formatDateTime(a.nextAttemptAt) : '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {d.attemptLog.length === 0 && (
              <Text size="sm" c="dimmed">
                Not attempted yet: a worker sends it shortly.
              </Text>
            )}
            <Text size="sm" fw={500}>
              Body
            </Text>
            <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
              {prettyJson(d.body)}
            </Code>
          </Stack>
        )}
      </QueryState>
    </Modal>
  );
}

function DeliveryLog({ endpoints, canWrite }: { endpoints: Endpoint[]; canWrite: boolean }) {
  const [endpointId, setEndpointId] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const deliveries = useQuery({
    queryKey: ['webhook-deliveries', endpointId],
    queryFn: () =>
      api.get('/api/v1/webhook-deliveries', {
        query: { limit: 50, ...(endpointId ? { endpointId } : {}) },
      }),
    refetchInterval: (q) =>
      q.state.data?.items.some((d) => d.status === 'pending' || d.status === 'sending') ? 2_000 : false,
  });
  const urlOf = new Map(endpoints.map((e) => [e.id, e.url]));
  return (
    <Card withBorder mt="lg">
      <Group justify="space-between" mb="sm">
        <Text fw={600}>Delivery log</Text>
        <Select
          aria-label="Endpoint"
          placeholder="All endpoints"
          clearable
          data={endpoints.map((e) => ({ value: e.id, label: e.url }))}
          value={endpointId}
          onChange={setEndpointId}
          w={320}
        />
      </Group>
      <QueryState query={deliveries} loadingLabel="Loading deliveries…">
        {({ items }) =>
          items.length === 0 ? (
            <Text size="sm" c="dimmed">
              No deliveries yet. Send a test event to see one.
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table verticalSpacing="xs" highlightOnHover data-testid="delivery-log">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Event</Table.Th>
                    <Table.Th>Endpoint</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                    <Table.Th>Last answer</Table.Th>
                    <Table.Th>Created</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((d) => (
                    <Table.Tr key={d.id} style={{ cursor: 'pointer' }} onClick={() => setOpen(d.id)}>
                      <Table.Td>
                        <Button variant="subtle" size="compact-sm" onClick={() => setOpen(d.id)}>
                          {d.eventType}
                        </Button>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" maw={240} truncate>
                          {urlOf.get(d.endpointId) ?? d.endpointId}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={STATUS_COLOR[d.status]} variant="light">
                          {d.status}
                        </Badge>
                      </Table.Td>
                      <Table.Td>{d.attempts}</Table.Td>
                      <Table.Td>
                        {d.lastStatusCode !== null
                          ? `HTTP ${d.lastStatusCode}`
                          : d.lastError
                            ? 'no answer'
                            : '—'}
                      </Table.Td>
                      <Table.Td>{formatRelative(d.createdAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <DeliveryModal deliveryId={open} canWrite={canWrite} onClose={() => setOpen(null)} />
    </Card>
  );
}

/** Settings → Webhooks: endpoints, their secrets (once), test events, the delivery log and redelivery. */
export function WebhooksPage() {
  const { can } = useSession();
  const canWrite = can('admin');
  const [creating, setCreating] = useState(false);
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: () => api.get('/api/v1/webhook-endpoints'),
  });
  const addButton = canWrite ? (
    <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
      Add endpoint
    </Button>
  ) : undefined;
  return (
    <>
      <PageHeader
        title="Webhooks"
        description="Beton POSTs signed events (Standard Webhooks) to these URLs, retrying for over a day when a receiver is down."
        actions={addButton}
      />
      <QueryState query={endpoints} loadingLabel="Loading endpoints…">
        {({ items }) => (
          <>
            {items.some((e) => e.disabledReason) && (
              <Alert color="red" variant="light" mb="md" icon={<IconAlertTriangle size={18} />} role="status">
                {items.filter((e) => e.disabledReason).length === 1
                  ? 'An endpoint was disabled after repeated failure; '
                  : 'Some endpoints were disabled after repeated failure; '}
                see the notice below, fix the receiver and enable it again.
              </Alert>
            )}
            {items.length === 0 ? (
              <Empty icon={<IconWebhook />} title="No webhook endpoints yet" action={addButton}>
                Add one to send signals, grade changes, push results and sync failures to another tool.
              </Empty>
            ) : (
              <Stack>
                {items.map((e) => (
                  <EndpointCard key={e.id} endpoint={e} canWrite={canWrite} />
                ))}
              </Stack>
            )}
            {items.length > 0 && <DeliveryLog endpoints={items} canWrite={canWrite} />}
          </>
        )}
      </QueryState>
      <CreateEndpointModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
