import {
  Button,
  Input,
  Modal,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api/client.js';
import { GRADES } from '../../components/badges.js';
import { ErrorAlert } from '../../components/QueryState.js';

/** The channels of the workspace's messaging integration, when one is connected (else typed by hand). */
function useChannels() {
  const providers = useQuery({ queryKey: ['providers'], queryFn: () => api.get('/api/v1/providers') });
  const messaging = providers.data?.providers.find((p) => p.capability === 'messaging');
  const name = messaging?.chosen ?? (messaging?.connected.length === 1 ? messaging.connected[0] : undefined);
  return useQuery({
    queryKey: ['channels', name],
    enabled: Boolean(name),
    queryFn: () => api.get('/api/v1/integrations/{name}/channels', { params: { name: name! } }),
  });
}

/** The workspace's account owners (from the CRMs), for the owner filter. */
function useOwners() {
  return useQuery({ queryKey: ['accounts', 'owners'], queryFn: () => api.get('/api/v1/accounts/owners') });
}

/**
 * Create an alert rule: which signals, how strong an account, whose accounts, where (a channel, or
 * a direct message to each account's owner), and when (admins).
 */
export function AlertRuleModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const channels = useChannels();
  const [name, setName] = useState('');
  const [directions, setDirections] = useState<string[]>([]);
  const [keys, setKeys] = useState('');
  const [minGrade, setMinGrade] = useState<string | null>(null);
  const owners = useOwners();
  const [to, setTo] = useState<'channel' | 'owner'>('channel');
  const [channelId, setChannelId] = useState('');
  const [ownedBy, setOwnedBy] = useState<string[]>([]);
  const [quietZone, setQuietZone] = useState('');
  const [quietStart, setQuietStart] = useState('20:00');
  const [quietEnd, setQuietEnd] = useState('08:00');
  const [cap, setCap] = useState<number | string>('');
  const save = useMutation({
    mutationFn: () =>
      api.post('/api/v1/alerts/rules', {
        body: {
          name: name.trim(),
          signals: {
            directions: directions as ('expansion' | 'churn' | 'timing')[],
            keys: keys
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean),
          },
          ...(minGrade ? { minGrade: minGrade as 'M100' } : {}),
          ...(ownedBy.length > 0 ? { filter: { owner: ownedBy.join(',') } } : {}),
          destination: to === 'owner' ? { kind: 'owner' } : { kind: 'channel', channelId: channelId.trim() },
          ...(quietZone.trim()
            ? { quietHours: { timeZone: quietZone.trim(), start: quietStart, end: quietEnd } }
            : {}),
          ...(cap !== '' ? { capPerRun: Number(cap) } : {}),
        } as never,
      }),
    onSuccess: () => {
      client.invalidateQueries({ queryKey: ['alerts'] });
      setName('');
      onClose();
    },
  });
  const channelOptions = (channels.data?.channels ?? []).map((c) => ({
    value: c.id,
    label: `#${c.name}${c.isMember ? '' : ' (invite the bot first)'}`,
  }));
  return (
    <Modal opened={opened} onClose={onClose} title="New alert rule" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <MultiSelect
            label="Signal directions"
            description="Empty with no keys: every signal"
            data={[
              { value: 'expansion', label: 'Expansion' },
              { value: 'churn', label: 'Churn' },
              { value: 'timing', label: 'Timing' },
            ]}
            value={directions}
            onChange={setDirections}
          />
          <TextInput
            label="Signal keys"
            description="Comma-separated, e.g. usage_spike,future_cancellation"
            value={keys}
            onChange={(e) => setKeys(e.currentTarget.value)}
          />
          <Select
            label="Minimum grade"
            clearable
            data={[...GRADES]}
            value={minGrade}
            onChange={setMinGrade}
          />
          <MultiSelect
            label="Accounts of"
            description="Only accounts these people own in the CRM (empty: every account)"
            placeholder={ownedBy.length ? undefined : 'Any owner'}
            data={[
              ...(owners.data?.items ?? []).map((o) => ({
                value: o.email,
                label: `${o.name ?? o.email} (${o.accounts})`,
              })),
              { value: 'none', label: 'No owner' },
            ]}
            value={ownedBy}
            onChange={setOwnedBy}
            searchable
          />
          <Input.Wrapper label="Send to">
            <SegmentedControl
              aria-label="Send to"
              fullWidth
              value={to}
              onChange={(v) => setTo(v as 'channel' | 'owner')}
              data={[
                { value: 'channel', label: 'A channel' },
                { value: 'owner', label: "The account's owner" },
              ]}
            />
          </Input.Wrapper>
          {to === 'owner' ? (
            <Text size="xs" c="dimmed" data-testid="owner-destination-hint">
              Each alert goes as a direct message to whoever owns the account in the CRM, found on the
              messaging service by their e-mail. An account without an owner, or an owner the service does not
              know, fails with the reason in History (retry once it is fixed).
            </Text>
          ) : channelOptions.length > 0 ? (
            <Select
              label="Channel"
              required
              searchable
              data={channelOptions}
              value={channelId || null}
              onChange={(v) => setChannelId(v ?? '')}
            />
          ) : (
            <TextInput
              label="Channel id"
              required
              description="Connect a messaging integration to pick from its channels"
              value={channelId}
              onChange={(e) => setChannelId(e.currentTarget.value)}
            />
          )}
          <TextInput
            label="Quiet hours time zone"
            placeholder="Europe/Berlin (empty: no quiet hours)"
            value={quietZone}
            onChange={(e) => setQuietZone(e.currentTarget.value)}
          />
          {quietZone.trim() && (
            <Stack gap="xs">
              <TextInput
                label="Quiet from"
                value={quietStart}
                onChange={(e) => setQuietStart(e.currentTarget.value)}
              />
              <TextInput
                label="Quiet until"
                value={quietEnd}
                onChange={(e) => setQuietEnd(e.currentTarget.value)}
              />
            </Stack>
          )}
          <NumberInput
            label="Cap per score run"
            description="The rest go into the next digest"
            min={1}
            max={1000}
            value={cap}
            onChange={setCap}
          />
          {save.isError && <ErrorAlert error={save.error} />}
          <Text size="xs" c="dimmed">
            The rule applies to signals that open from now on.
          </Text>
          <Button
            type="submit"
            loading={save.isPending}
            disabled={!name.trim() || (to === 'channel' && !channelId.trim())}
          >
            Create rule
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
