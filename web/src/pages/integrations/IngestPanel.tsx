import { ActionIcon, Button, Code, CopyButton, Group, Modal, Stack, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy, IconKey, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ingestApi, ingestKeys, type WriteKey } from '../../api/ingest.js';
import { ConfirmModal } from '../../components/ConfirmModal.js';
import { formatNumber, formatRelative } from '../../lib/format.js';
import { useSession } from '../../session.js';

/** How often the counts refresh while the card is on screen. */
const REFRESH_MS = 5000;

function Copy({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? 'Copied' : label}>
          <ActionIcon variant="subtle" color={copied ? 'teal' : 'gray'} onClick={copy} aria-label={label}>
            {copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}

function KeyLine({ name, writeKey }: { name: string; writeKey: WriteKey }) {
  const queryClient = useQueryClient();
  const { can } = useSession();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => ingestApi.revokeKey(name, writeKey.id),
    meta: { successMessage: 'Write key revoked' },
    onSuccess: () => setConfirming(false),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ingestKeys.status(name) }),
  });
  return (
    <Group gap={6} wrap="nowrap">
      <Code>{writeKey.prefix}…</Code>
      <Text size="xs" c="dimmed">
        created {formatRelative(writeKey.createdAt)}
      </Text>
      {can('admin') && (
        <>
          <ActionIcon
            variant="subtle"
            color="red"
            size="sm"
            aria-label={`Revoke write key ${writeKey.prefix}`}
            onClick={() => setConfirming(true)}
          >
            <IconTrash size={14} />
          </ActionIcon>
          <ConfirmModal
            opened={confirming}
            title="Revoke this write key?"
            confirmLabel="Revoke key"
            onConfirm={() => revoke.mutate()}
            onClose={() => setConfirming(false)}
            pending={revoke.isPending}
          >
            Senders still using it get 401 from now on. Create a new key and update them first to rotate
            without a gap.
          </ConfirmModal>
        </>
      )}
    </Group>
  );
}

/**
 * For an integration senders push to: where to send, the write keys (a new one shown once, with the
 * sender snippet filled in), and live counts of calls received and rejected.
 */
export function IngestPanel({ name }: { name: string }) {
  const { can } = useSession();
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: ingestKeys.status(name),
    queryFn: () => ingestApi.status(name),
    refetchInterval: REFRESH_MS,
  });
  const create = useMutation({
    mutationFn: () => ingestApi.createKey(name),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ingestKeys.status(name) }),
  });
  const ingest = status.data?.ingest;
  if (!ingest) return <Text size="sm">{status.isError ? 'Could not load the endpoint status.' : '…'}</Text>;
  const url = `${ingest.host ?? ''}/v1/batch`;
  const live = ingest.keys.filter((k) => k.revokedAt === null);
  const c = ingest.counts;
  const newKey = create.data?.key.key;

  return (
    <Stack gap={6} data-testid={`ingest-${name}`}>
      <Group gap={6} wrap="nowrap">
        <Text size="sm" c="dimmed" w={90}>
          Endpoint
        </Text>
        <Code style={{ wordBreak: 'break-all' }}>{url}</Code>
        <Copy value={url} label="Copy the URL" />
      </Group>
      <Text size="xs" c="dimmed">
        Also{' '}
        {ingest.calls
          .filter((x) => x !== 'batch')
          .map((x) => `/v1/${x}`)
          .join(', ')}{' '}
        and /api/v1/ingest/…
      </Text>
      <Group gap={6} wrap="nowrap">
        <Text size="sm" c="dimmed" w={90}>
          Calls
        </Text>
        <Text size="sm" data-testid="ingest-received">
          {formatNumber(c.received)} received
        </Text>
        <Text size="sm" c={c.rejected > 0 ? 'red' : 'dimmed'} data-testid="ingest-rejected">
          · {formatNumber(c.rejected)} rejected
        </Text>
        {c.unattributed > 0 && (
          <Tooltip label="Accepted calls whose user has no group call yet and that carry no context.groupId">
            <Text size="sm" c="dimmed">
              · {formatNumber(c.unattributed)} without an account
            </Text>
          </Tooltip>
        )}
      </Group>
      {c.lastRejectReason && (
        <Text size="xs" c="red">
          Last rejected {c.lastRejectedAt ? formatRelative(c.lastRejectedAt) : ''}: {c.lastRejectReason}
        </Text>
      )}
      <Group gap={6} align="flex-start" wrap="nowrap">
        <Text size="sm" c="dimmed" w={90}>
          Write keys
        </Text>
        <Stack gap={2}>
          {live.length === 0 && <Text size="sm">None yet: senders cannot send until you create one.</Text>}
          {live.map((k) => (
            <KeyLine key={k.id} name={name} writeKey={k} />
          ))}
        </Stack>
      </Group>
      {can('admin') && (
        <Button
          size="xs"
          variant="light"
          leftSection={<IconKey size={14} />}
          loading={create.isPending}
          onClick={() => create.mutate()}
          w="fit-content"
        >
          {live.length === 0 ? 'Create a write key' : 'Create another key (to rotate)'}
        </Button>
      )}
      <Modal opened={Boolean(newKey)} onClose={() => create.reset()} title="Your new write key" size="lg">
        {newKey && (
          <Stack gap="sm">
            <Text size="sm">Copy it now: it is shown once. Beton keeps only its hash.</Text>
            <Group gap={6} wrap="nowrap">
              <Code block style={{ flex: 1, wordBreak: 'break-all' }} data-testid="new-write-key">
                {newKey}
              </Code>
              <Copy value={newKey} label="Copy the key" />
            </Group>
            {ingest.snippet && (
              <>
                <Text size="sm">Send events with @segment/analytics-node:</Text>
                <Group gap={6} wrap="nowrap" align="flex-start">
                  <Code block style={{ flex: 1 }}>
                    {ingest.snippet.replaceAll('{key}', newKey)}
                  </Code>
                  <Copy value={ingest.snippet.replaceAll('{key}', newKey)} label="Copy the snippet" />
                </Group>
              </>
            )}
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
