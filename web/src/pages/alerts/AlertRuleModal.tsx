import { Button, Modal, MultiSelect, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
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

/** Create an alert rule: which signals, how strong an account, where, and when (admins). */
export function AlertRuleModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const channels = useChannels();
  const [name, setName] = useState('');
  const [directions, setDirections] = useState<string[]>([]);
  const [keys, setKeys] = useState('');
  const [minGrade, setMinGrade] = useState<string | null>(null);
  const [channelId, setChannelId] = useState('');
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
          destination: { kind: 'channel', channelId: channelId.trim() },
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
          {channelOptions.length > 0 ? (
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
          <Button type="submit" loading={save.isPending} disabled={!name.trim() || !channelId.trim()}>
            Create rule
          </Button>
        </Stack>
      </form>
    </Modal>
  );
}
