import {
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type ResponseOf } from '../../api/client.js';
import { errorMessage } from '../../api/query.js';
import { PageHeader } from '../../components/PageHeader.js';
import { QueryState } from '../../components/QueryState.js';
import { useSession } from '../../session.js';

type Settings = ResponseOf<'/api/v1/scoring/settings', 'get'>['settings'];
type Range = { min?: number; max?: number };

interface Form {
  industries: string[];
  regions: string[];
  employees: Range;
  revenue: Range;
  halfLifeDays: number;
  saturation: number;
  targetEventsPerUser: number;
}

const toForm = (s: Settings): Form => ({
  industries: s.icp?.industries ?? [],
  regions: s.icp?.regions ?? [],
  employees: s.icp?.employees ?? {},
  revenue: s.icp?.revenue ?? {},
  halfLifeDays: s.halfLifeDays,
  saturation: s.saturation,
  targetEventsPerUser: s.targetEventsPerUser,
});

/** A range with its empty ends left out (the API takes min and max as optional). */
const cleanRange = (r: Range): Range | undefined => {
  const out: Range = {};
  if (typeof r.min === 'number') out.min = r.min;
  if (typeof r.max === 'number') out.max = r.max;
  return Object.keys(out).length ? out : undefined;
};

function RangeInputs({
  label,
  value,
  onChange,
  disabled,
  prefix,
}: {
  label: string;
  value: Range;
  onChange: (r: Range) => void;
  disabled: boolean;
  prefix?: string;
}) {
  const num = (v: string | number) => (typeof v === 'number' ? v : undefined);
  return (
    <Group grow align="flex-start">
      <NumberInput
        label={`${label}: from`}
        min={0}
        thousandSeparator=","
        prefix={prefix}
        value={value.min ?? ''}
        onChange={(v) => onChange({ ...value, min: num(v) })}
        disabled={disabled}
      />
      <NumberInput
        label="to"
        min={0}
        thousandSeparator=","
        prefix={prefix}
        value={value.max ?? ''}
        onChange={(v) => onChange({ ...value, max: num(v) })}
        disabled={disabled}
      />
    </Group>
  );
}

function ScoringForm({ settings }: { settings: Settings }) {
  const { can } = useSession();
  const editable = can('admin');
  const queryClient = useQueryClient();
  const [form, setForm] = useState<Form>(() => toForm(settings));
  useEffect(() => setForm(toForm(settings)), [settings]);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  const save = useMutation({
    mutationFn: () => {
      const employees = cleanRange(form.employees);
      const revenue = cleanRange(form.revenue);
      const hasIcp = form.industries.length || form.regions.length || employees || revenue;
      return api.put('/api/v1/scoring/settings', {
        body: {
          halfLifeDays: form.halfLifeDays,
          saturation: form.saturation,
          targetEventsPerUser: form.targetEventsPerUser,
          icp: hasIcp
            ? {
                industries: form.industries,
                regions: form.regions,
                ...(employees ? { employees } : {}),
                ...(revenue ? { revenue } : {}),
              }
            : null,
        },
      });
    },
    meta: { inlineError: true, successMessage: 'Scoring settings saved; the next score run uses them' },
    onSuccess: (answer) => queryClient.setQueryData(['scoring', 'settings'], answer),
  });

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack maw={820}>
        {save.isError && (
          <Alert color="red" variant="light" role="alert">
            {errorMessage(save.error)}
          </Alert>
        )}
        <Card withBorder>
          <Title order={2} size="h4">
            Ideal customer profile
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            Fit compares each account’s firmographics (from Apollo) with this profile. Leave a criterion empty
            to ignore it; with no profile, fit stays unknown.
          </Text>
          <Stack>
            <TagsInput
              id="icp-industries"
              label="Industries"
              description="As Apollo names them, e.g. “computer software”. Press Enter after each."
              value={form.industries}
              onChange={(v) => set('industries', v)}
              disabled={!editable}
              clearable
            />
            <TagsInput
              id="icp-regions"
              label="Regions"
              description="ISO country codes (US, DE) or NA, EU, UK, APAC, LATAM, MEA."
              value={form.regions}
              onChange={(v) =>
                set(
                  'regions',
                  v.map((r) => r.toUpperCase()),
                )
              }
              disabled={!editable}
              clearable
            />
            <RangeInputs
              label="Employees"
              value={form.employees}
              onChange={(r) => set('employees', r)}
              disabled={!editable}
            />
            <RangeInputs
              label="Annual revenue"
              prefix="$"
              value={form.revenue}
              onChange={(r) => set('revenue', r)}
              disabled={!editable}
            />
          </Stack>
        </Card>
        <Card withBorder>
          <Title order={2} size="h4">
            Scoring model
          </Title>
          <Text size="sm" c="dimmed" mb="md">
            How quickly a signal’s effect fades, and how many signals it takes to reach a high score.
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <NumberInput
              label="Signal half-life"
              description="Days until a signal counts half"
              suffix=" days"
              min={1}
              max={365}
              value={form.halfLifeDays}
              onChange={(v) => set('halfLifeDays', Number(v) || 1)}
              disabled={!editable}
            />
            <NumberInput
              label="Saturation"
              description="Higher needs more signals for the same score"
              min={0.1}
              max={20}
              step={0.1}
              decimalScale={2}
              value={form.saturation}
              onChange={(v) => set('saturation', Number(v) || 0.1)}
              disabled={!editable}
            />
            <NumberInput
              label="Events per user for full health"
              description="Monthly events per active user"
              min={1}
              max={100000}
              value={form.targetEventsPerUser}
              onChange={(v) => set('targetEventsPerUser', Number(v) || 1)}
              disabled={!editable}
            />
          </SimpleGrid>
        </Card>
        {editable ? (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              Save settings
            </Button>
          </Group>
        ) : (
          <Text size="sm" c="dimmed">
            Only an admin can change scoring settings.
          </Text>
        )}
      </Stack>
    </form>
  );
}

export function ScoringSettingsPage() {
  const settings = useQuery({
    queryKey: ['scoring', 'settings'],
    queryFn: () => api.get('/api/v1/scoring/settings'),
  });
  return (
    <>
      <PageHeader
        title="Scoring"
        description="Your ideal customer profile and how the scores weigh signals over time."
      />
      <QueryState query={settings} loadingLabel="Loading scoring settings…">
        {({ settings: s }) => <ScoringForm settings={s} />}
      </QueryState>
    </>
  );
}
