import { Badge, Button, Group, Text, Tooltip } from '@mantine/core';
import { IconBell, IconBellZ } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { SignalSnooze as Snooze } from '../../api/accounts.js';
import { api } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { formatDate } from '../../lib/format.js';
import { useSession } from '../../session.js';

/** The web app's snooze: the default length, as the alert card's button. */
const DAYS = 30;

/**
 * Beside a signal on the account page: when this account's alerts for it are snoozed, until when
 * and by whom (everyone sees it); "Snooze 30 days" or "Unsnooze" for members and up. The signal
 * still fires and counts in the score either way: only alerts and digests change.
 */
export function SignalSnooze({
  accountId,
  signal,
  snooze,
}: {
  accountId: string;
  signal: string;
  snooze: Snooze | null;
}) {
  const { can } = useSession();
  const client = useQueryClient();
  const params = { params: { id: accountId, key: signal } };
  const done = () => client.invalidateQueries({ queryKey: ['accounts', 'detail', accountId] });
  const set = useMutation({
    mutationFn: () =>
      api.post('/api/v1/accounts/{id}/signals/{key}/snooze', { ...params, body: { days: DAYS } }),
    onSuccess: done,
  });
  const lift = useMutation({
    mutationFn: () => api.delete('/api/v1/accounts/{id}/signals/{key}/snooze', params),
    onSuccess: done,
  });
  const busy = set.isPending || lift.isPending;
  const failed = set.error ?? lift.error;
  const member = can('member');
  if (!snooze && !member) return null;
  return (
    <Group gap={6} wrap="nowrap" ml="auto">
      {snooze && (
        <Tooltip
          multiline
          maw={320}
          withArrow
          label={`No alerts about this signal on this account until ${formatDate(snooze.until)}. Snoozed by ${snooze.by.name ?? snooze.by.id ?? 'someone'} on ${formatDate(snooze.snoozedAt)}${snooze.note ? `: “${snooze.note}”` : ''}. It still counts in the score.`}
        >
          <Badge size="xs" variant="light" color="gray" leftSection={<IconBellZ size={11} />}>
            snoozed until {formatDate(snooze.until)}
          </Badge>
        </Tooltip>
      )}
      {member &&
        (snooze ? (
          <Button
            size="compact-xs"
            variant="subtle"
            leftSection={<IconBell size={12} />}
            loading={busy}
            onClick={() => lift.mutate()}
          >
            Unsnooze
          </Button>
        ) : (
          <Tooltip
            withArrow
            label={`Stop alerts about this signal on this account for ${DAYS} days; it still counts in the score`}
          >
            <Button
              size="compact-xs"
              variant="subtle"
              color="gray"
              leftSection={<IconBellZ size={12} />}
              loading={busy}
              onClick={() => set.mutate()}
            >
              Snooze {DAYS} days
            </Button>
          </Tooltip>
        ))}
      {failed && (
        <Text size="xs" c="red">
          {errorMessage(failed)}
        </Text>
      )}
    </Group>
  );
}
