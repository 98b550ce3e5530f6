import {
  Alert,
  Anchor,
  Button,
  Group,
  Modal,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import type { SignalDefinition } from '../../api/accounts.js';
import { api } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { formatNumber } from '../../lib/format.js';

const OPERATORS = [
  { value: 'gte', label: '≥' },
  { value: 'gt', label: '>' },
  { value: 'lte', label: '≤' },
  { value: 'lt', label: '<' },
  { value: 'eq', label: '=' },
] as const;
type Operator = (typeof OPERATORS)[number]['value'];

export interface CustomSignalForm {
  name: string;
  description: string;
  direction: 'expansion' | 'churn';
  events: string[];
  operator: Operator;
  threshold: number;
  windowDays: number;
  weight: number;
  enabled: boolean;
}

const EMPTY: CustomSignalForm = {
  name: '',
  description: '',
  direction: 'expansion',
  events: [],
  operator: 'gte',
  threshold: 10,
  windowDays: 14,
  weight: 0.5,
  enabled: true,
};

/**
 * The form values for editing a custom signal, from the definition `GET /api/v1/signals` carries
 * (its stored description, not the one generated for display when it has none).
 */
export function formFromDefinition(signal: SignalDefinition): CustomSignalForm {
  const d = signal.definition;
  if (!d) return { ...EMPTY, name: signal.title, weight: signal.weight, enabled: signal.enabled };
  return {
    name: d.name,
    description: d.description,
    direction: d.direction,
    events: [...d.events],
    operator: d.operator,
    threshold: d.threshold,
    windowDays: d.windowDays,
    weight: d.weight,
    enabled: d.enabled,
  };
}

/** Only the fields the person changed, so a save never overwrites what someone else changed meanwhile. */
export function changedFields(before: CustomSignalForm, after: CustomSignalForm): Partial<CustomSignalForm> {
  return Object.fromEntries(
    Object.entries(after).filter(
      ([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof CustomSignalForm]),
    ),
  ) as Partial<CustomSignalForm>;
}

const isComplete = (f: CustomSignalForm) =>
  f.name.trim() !== '' && f.events.length > 0 && Number.isFinite(f.threshold) && f.windowDays >= 1;

/**
 * Create or edit a custom signal: "the sum of these events over the last N days compared with a
 * threshold", with a live preview of the accounts it would match right now.
 */
export function CustomSignalModal({
  opened,
  onClose,
  editing,
}: {
  opened: boolean;
  onClose: () => void;
  /** The signal being edited, or null to create one. */
  editing: SignalDefinition | null;
}) {
  const queryClient = useQueryClient();
  const initial = useMemo(() => (editing ? formFromDefinition(editing) : EMPTY), [editing]);
  const [form, setForm] = useState<CustomSignalForm>(EMPTY);
  useEffect(() => {
    if (opened) setForm(initial);
  }, [opened, initial]);
  const set = <K extends keyof CustomSignalForm>(key: K, value: CustomSignalForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const body = { ...form, name: form.name.trim(), description: form.description.trim() };
  const [previewBody] = useDebouncedValue(body, 400);
  const preview = useQuery({
    queryKey: ['signals', 'preview', previewBody],
    queryFn: () => api.post('/api/v1/signals/preview', { body: previewBody }),
    enabled: opened && isComplete(previewBody),
    retry: false,
    placeholderData: (previous) => previous,
  });

  const save = useMutation({
    mutationFn: async (): Promise<void> => {
      if (editing) {
        await api.patch('/api/v1/signals/{key}', {
          params: { key: editing.key },
          body: changedFields(initial, body),
        });
      } else {
        await api.post('/api/v1/signals', { body });
      }
    },
    meta: {
      inlineError: true,
      successMessage: editing ? 'Signal saved' : 'Signal created; the next score run uses it',
    },
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: ['signals'] });
      onClose();
    },
  });

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      size="xl"
      title={editing ? `Edit “${editing.title}”` : 'New custom signal'}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="xl">
          <Stack>
            {save.isError && (
              <Alert color="red" variant="light" role="alert">
                {errorMessage(save.error)}
              </Alert>
            )}
            <TextInput
              label="Name"
              required
              value={form.name}
              onChange={(e) => set('name', e.currentTarget.value)}
              data-autofocus
              maxLength={80}
            />
            <SegmentedControl
              aria-label="Direction"
              value={form.direction}
              onChange={(v) => set('direction', v as 'expansion' | 'churn')}
              data={[
                { value: 'expansion', label: 'Expansion signal' },
                { value: 'churn', label: 'Churn signal' },
              ]}
            />
            <TagsInput
              id="custom-signal-events"
              label="Events"
              description="PostHog event names whose daily counts are summed. Press Enter after each."
              placeholder={form.events.length ? '' : 'e.g. report_created'}
              value={form.events}
              onChange={(v) => set('events', v)}
              required
              maxTags={20}
              clearable
            />
            <Group grow align="flex-start">
              <Select
                label="Total is"
                data={OPERATORS.map((o) => ({ value: o.value, label: o.label }))}
                value={form.operator}
                allowDeselect={false}
                onChange={(v) => v && set('operator', v as Operator)}
              />
              <NumberInput
                label="Threshold"
                min={0}
                value={form.threshold}
                onChange={(v) => set('threshold', Number(v) || 0)}
              />
              <NumberInput
                label="Over the last"
                suffix=" days"
                min={1}
                max={180}
                allowDecimal={false}
                value={form.windowDays}
                onChange={(v) => set('windowDays', Number(v) || 1)}
              />
            </Group>
            <NumberInput
              label="Weight"
              description="How much it moves the score, 0–5 (built-in signals use about 0.3–1)."
              min={0}
              max={5}
              step={0.1}
              decimalScale={2}
              value={form.weight}
              onChange={(v) => set('weight', Number(v) || 0)}
            />
            <Textarea
              label="Description"
              description="Optional; shown next to the signal."
              autosize
              minRows={2}
              maxLength={500}
              value={form.description}
              onChange={(e) => set('description', e.currentTarget.value)}
            />
            <Switch
              label="Enabled"
              checked={form.enabled}
              onChange={(e) => set('enabled', e.currentTarget.checked)}
            />
          </Stack>
          <Stack gap="xs" aria-live="polite">
            <Text fw={600}>Live preview</Text>
            {!isComplete(body) ? (
              <Text size="sm" c="dimmed">
                Name the signal and add at least one event to see which accounts it would match today.
              </Text>
            ) : preview.isError ? (
              <Alert color="yellow" variant="light" role="status">
                {errorMessage(preview.error)}
              </Alert>
            ) : !preview.data ? (
              <Text size="sm" c="dimmed">
                Checking…
              </Text>
            ) : (
              <>
                <Text size="sm" data-testid="preview-count">
                  Matches <b>{formatNumber(preview.data.matching)}</b> of{' '}
                  {formatNumber(preview.data.accountsTotal)} accounts today
                  {preview.isFetching ? ' (updating…)' : '.'}
                </Text>
                <Stack gap={6} mah={380} style={{ overflowY: 'auto' }}>
                  {preview.data.accounts.map((a) => (
                    <div key={a.id}>
                      <Anchor component={Link} to={`/accounts/${a.id}`} size="sm" fw={500} target="_blank">
                        {a.name}
                      </Anchor>{' '}
                      <Text span size="xs" c="dimmed">
                        {a.domain}
                      </Text>
                      <Text size="xs">{a.explanation}</Text>
                    </div>
                  ))}
                  {preview.data.matching > preview.data.accounts.length && (
                    <Text size="xs" c="dimmed">
                      …and {formatNumber(preview.data.matching - preview.data.accounts.length)} more.
                    </Text>
                  )}
                </Stack>
              </>
            )}
          </Stack>
        </SimpleGrid>
        <Group justify="flex-end" mt="lg">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!isComplete(body)}>
            {editing ? 'Save signal' : 'Create signal'}
          </Button>
        </Group>
      </form>
    </Modal>
  );
}
